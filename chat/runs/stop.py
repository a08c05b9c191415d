"""Why a run was asked to stop before it finished, and the hook that stops its agent."""

from collections.abc import Callable

from chat.models import Message


class RunStop:
    """Set once: the first reason wins. `cancelled` is the user's Stop; `interrupted` is the
    server ending the run (shutdown, or a client that left with CHAT_CONTINUE_ON_DISCONNECT off)."""

    def __init__(self) -> None:
        self.status: str | None = None
        self._stop_agent: Callable[[], None] | None = None

    @property
    def requested(self) -> bool:
        return self.status is not None

    def request_cancel(self) -> None:
        self._request(Message.Status.CANCELLED)

    def request_interrupt(self) -> None:
        self._request(Message.Status.INTERRUPTED)

    def bind(self, stop_agent: Callable[[], None]) -> None:
        """Called by the run once its agent exists; a stop requested earlier applies now."""
        self._stop_agent = stop_agent
        if self.requested:
            stop_agent()

    def _request(self, status: str) -> None:
        if self.status is not None:
            return
        self.status = status
        if self._stop_agent is not None:
            self._stop_agent()
