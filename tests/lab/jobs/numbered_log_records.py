"""Append numbered log records (the log contract, JSON lines) to a file at a steady rate.

Run on a lab host by the log drills: python3 numbered_log_records.py FILE SERVICE COUNT RATE
"""

import json
import socket
import sys
import time
from datetime import UTC, datetime


def main() -> None:
    path, service, count, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    host = socket.gethostname()
    with open(path, "a", encoding="utf-8") as out:
        for number in range(1, count + 1):
            record = {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "host": host,
                "service": service,
                "level": "INFO",
                "message": f"drill record {number}",
                "context": {"n": str(number)},
            }
            out.write(json.dumps(record) + "\n")
            out.flush()
            time.sleep(1 / rate)


if __name__ == "__main__":
    main()
