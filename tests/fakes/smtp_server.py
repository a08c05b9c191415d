"""A real, local SMTP server for tests (standard library only): it speaks enough of RFC 5321
for Python's smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it
accepted (`messages`, raw bytes), and can hold a session: with `hold_first`, the first DATA
command gets no answer until the client goes away, so the client is stuck before it has
handed over its message (a sender killed there has sent nothing).

    with FakeSMTP(hold_first=True) as smtp:
        settings: EMAIL_HOST=127.0.0.1, EMAIL_PORT=smtp.port
        wait_until(lambda: smtp.holding)
"""

import socketserver
import threading
from email import message_from_bytes


class _Session(socketserver.StreamRequestHandler):
    server: "_Server"

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 fake-smtp ready")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if command in ("EHLO", "HELO"):
                self.reply("250 fake-smtp")
            elif command in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif command == "DATA":
                if self.server.take_hold():
                    self.rfile.read()  # no answer: until the client disconnects
                    return
                self.reply("354 go ahead")
                self.server.accept(self._message())
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")

    def _message(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, hold_first: bool) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.lock = threading.Lock()
        self.messages: list[bytes] = []
        self.hold_first = hold_first
        self.holding = threading.Event()

    def take_hold(self) -> bool:
        with self.lock:
            if self.hold_first and not self.holding.is_set():
                self.holding.set()
                return True
            return False

    def accept(self, message: bytes) -> None:
        with self.lock:
            self.messages.append(message)


class FakeSMTP:
    def __init__(self, *, hold_first: bool = False) -> None:
        self._server = _Server(hold_first)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeSMTP":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def holding(self) -> bool:
        """A session is held at DATA (its client is waiting)."""
        return self._server.holding.is_set()

    @property
    def message_ids(self) -> list[str]:
        """The Message-ID of every message accepted, in order (duplicates repeated)."""
        with self._server.lock:
            messages = list(self._server.messages)
        return [message_from_bytes(raw)["Message-ID"] for raw in messages]
