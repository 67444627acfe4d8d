"""A raw HTTP server that plays the race of a kept-alive connection closed while idle, deterministically: it
answers a number of requests on a connection, then closes it when the next one arrives, without a word."""

from __future__ import annotations

import socket
import threading


class ClosingServer:
    """Connection i answers `plan[i]` requests, then closes at the next one (None: answers all)."""

    def __init__(self, plan: list[int | None]) -> None:
        self.plan = plan
        self.seen: list[str] = []           # request lines that were answered
        self.dropped: list[str] = []        # request lines met by a close
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        for index in range(len(self.plan) + 10):
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            answers = self.plan[index] if index < len(self.plan) else None
            threading.Thread(target=self._connection, args=(conn, answers), daemon=True).start()

    def _connection(self, conn: socket.socket, answers: int | None) -> None:
        with conn:
            buffer = b""
            answered = 0
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next((int(v) for k, _, v in (line.partition(":") for line in lines[1:])
                               if k.strip().lower() == "content-length"), 0)
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                if answers is not None and answered >= answers:
                    self.dropped.append(lines[0])
                    return                      # closes: the request gets no answer
                self.seen.append(lines[0])
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
                answered += 1

    def close(self) -> None:
        self.listener.close()
