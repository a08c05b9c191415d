"""Small talk: thanks, acknowledgements, greetings and requests for help, with their replies."""

from __future__ import annotations

import re

from chat.llm.offline.text import FLAGS

THANKS = re.compile(
    r"(?:thanks|thank\s+you|thx|ty|cheers|much\s+appreciated)"
    r"(?:\s+(?:so\s+much|very\s+much|a\s+lot|again|a\s+bunch))?",
    FLAGS,
)
ACK = re.compile(
    r"(?:ok(?:ay)?|k|cool|great|awesome|perfect|nice|got\s+it|sounds\s+good|never\s*mind"
    r"|forget\s+it|cancel|no|nope|yes|yep|sure|bye|goodbye)(?:\s+thanks|\s+thank\s+you)?",
    FLAGS,
)
GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day))"
    r"(?:\s+there)?\b[\s,!.]*",
    FLAGS,
)
# "undo", "undo that", "undo the last change", "take that back", "revert it".
UNDO = re.compile(
    r"(?:undo|revert|reverse|take\s+(?:that|it)\s+back|put\s+(?:that|it)\s+back)"
    r"(?:\s+(?:that|it|this|the\s+last\s+(?:one|change|thing)|what\s+you\s+(?:just\s+)?did"
    r"|your\s+last\s+change))?(?:\s+please)?",
    FLAGS,
)
HELP = re.compile(
    r"(?:help|help\s+me|i\s+need\s+help|\?+|what\s+can\s+(?:you|i)\s+(?:do|say|ask)"
    r"|what\s+(?:do|can)\s+you\s+(?:do|help\s+(?:me\s+)?with)|how\s+does\s+(?:this|it)\s+work"
    r"|how\s+(?:do|can)\s+i\s+use\s+(?:this|you|it)|who\s+are\s+you|what\s+are\s+you"
    r"|commands|what\s+are\s+(?:the|your)\s+commands|options|menu)",
    FLAGS,
)

HELP_TEXT = (
    "I'm Taskstream's built-in assistant and I can manage your to-do list:\n"
    '- **Add**: "add buy milk" or "add milk, eggs and bread"\n'
    '- **List**: "show my tasks", "what\'s left?", "show completed tasks"\n'
    '- **Complete**: "complete buy milk" or "I finished buy milk"\n'
    '- **Rename**: "rename buy milk to buy oat milk"\n'
    '- **Delete**: "delete buy milk" or "remove buy milk"\n'
    '- **Dates**: "add pay rent due friday", "move pay rent to monday", "what\'s due this week?"\n'
    '- **Undo**: "undo" takes back my last change'
)
GREETING_TEXT = (
    "Hi there! I can add, list, complete, rename and delete your tasks. "
    'Try "add buy milk" or "what\'s left?".'
)
THANKS_TEXT = "You're welcome! Let me know if there's anything else to add or check off."
ACK_TEXT = "Okay! Let me know whenever you want to add, check off or change a task."
UNKNOWN_TEXT = (
    "Sorry, I can't help with that: I'm Taskstream's offline assistant and I only manage "
    'your tasks. Try "add buy milk", "show my tasks" or "help".'
)
