// Length limits on text boxes, said out loud: a counter appears near the limit and, past it,
// says how much is too long. Nothing is cut silently (no maxlength attribute): the person
// decides what to remove, and the form refuses to send until it fits.

const number = new Intl.NumberFormat();

export class CharacterLimit {
  /** `output` is the element that shows the count; it is hidden while far from the limit. */
  constructor({ input, output, max }) {
    this.input = input;
    this.output = output;
    this.max = max;
    input.addEventListener("input", () => this.update());
    this.update();
  }

  get length() {
    return this.input.value.trim().length;
  }

  get over() {
    return this.length > this.max;
  }

  update() {
    const { length, max } = this;
    const near = length >= Math.floor(max * 0.9);
    this.output.hidden = !near;
    this.output.classList.toggle("is-over", length > max);
    this.input.setAttribute("aria-invalid", String(length > max));
    if (near) {
      const count = `${number.format(length)} / ${number.format(max)}`;
      this.output.textContent =
        length > max
          ? `${count} — ${number.format(length - max)} characters too long. Shorten it to send.`
          : count;
    }
  }
}
