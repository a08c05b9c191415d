// The repeat picker's choices: the common rules, worded for the task's date ("Every week on
// Monday", "Every month on the 5th"), and "Custom", which takes an RFC 5545 RRULE as typed.
// The server validates every rule and words it (`recurrence_text`); this only builds the common
// ones and recognises them again.

const WEEKDAY_CODES = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
const WORKDAYS = "MO,TU,WE,TH,FR";
/** The choices that repeat on something of the due date (its weekday, day of month, date). */
const DATE_BOUND = new Set(["weekly", "monthly", "yearly"]);

function dayParts(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { month, day, weekday };
}

function formatUtc(iso, options) {
  const [year, month, day] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat("en-US", { timeZone: "UTC", ...options }).format(Date.UTC(year, month - 1, day));
}

function ordinal(number) {
  const tens = number % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[number % 10] || "th";
  return `${number}${suffix}`;
}

/**
 * The choices for a task due on `iso` ("" when it has no date yet: the date-bound ones then read
 * "Every week", and picking one gives the task today's date). `rule(iso)` builds the RRULE.
 */
export function repeatChoices(iso) {
  const on = (text) => (iso ? ` on ${text}` : "");
  return [
    { kind: "none", label: "Does not repeat", rule: () => "" },
    { kind: "daily", label: "Every day", rule: () => "FREQ=DAILY" },
    { kind: "weekdays", label: "Every weekday (Mon–Fri)", rule: () => `FREQ=WEEKLY;BYDAY=${WORKDAYS}` },
    {
      kind: "weekly",
      label: `Every week${on(iso && formatUtc(iso, { weekday: "long" }))}`,
      rule: (day) => `FREQ=WEEKLY;BYDAY=${WEEKDAY_CODES[dayParts(day).weekday]}`,
    },
    {
      kind: "monthly",
      label: `Every month${on(iso && `the ${ordinal(dayParts(iso).day)}`)}`,
      rule: (day) => `FREQ=MONTHLY;BYMONTHDAY=${dayParts(day).day}`,
    },
    {
      kind: "yearly",
      label: `Every year${on(iso && formatUtc(iso, { month: "long", day: "numeric" }))}`,
      rule: (day) => {
        const { month, day: date } = dayParts(day);
        return `FREQ=YEARLY;BYMONTH=${month};BYMONTHDAY=${date}`;
      },
    },
    { kind: "custom", label: "Custom (RRULE)…", rule: null },
  ];
}

/** A rule's parts, order and case aside: "RRULE:byday=MO;FREQ=WEEKLY" equals "FREQ=WEEKLY;BYDAY=MO". */
function normalized(rule) {
  return rule
    .trim()
    .toUpperCase()
    .replace(/^RRULE:/, "")
    .split(";")
    .filter((part) => part && part !== "INTERVAL=1")
    .sort()
    .join(";");
}

/** Which choice `rule` is for a task due on `iso`: "none", a common kind, or "custom". */
export function repeatKind(rule, iso) {
  if (!rule) return "none";
  const wanted = normalized(rule);
  // A bare frequency repeats on the due date's own weekday, day or date: the same choice.
  const bare = { "FREQ=WEEKLY": "weekly", "FREQ=MONTHLY": "monthly", "FREQ=YEARLY": "yearly" }[wanted];
  if (bare && iso) return bare;
  for (const choice of repeatChoices(iso)) {
    if (!choice.rule || choice.kind === "none" || (!iso && DATE_BOUND.has(choice.kind))) continue;
    if (normalized(choice.rule(iso)) === wanted) return choice.kind;
  }
  return "custom";
}
