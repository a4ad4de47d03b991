"""Print the database URL the test suite runs on.

`DATABASE_URL` when set; otherwise PostgreSQL on 127.0.0.1:5432 when it
answers; otherwise SQLite, with a notice on stderr.
"""

import os
import socket
import sys

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"


def main() -> None:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        print(configured)
        return
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            print(LOCAL_POSTGRES)
            return
    except OSError:
        pass
    print(
        "notice: PostgreSQL is not answering on 127.0.0.1:5432; "
        "running the tests on SQLite.",
        file=sys.stderr,
    )
    print("sqlite:///data/test.sqlite3")


if __name__ == "__main__":
    main()
