#!/usr/bin/python3
"""Write the security plugin's internal_users.yml from users given as JSON on stdin.

stdin: [{"name": ..., "password": ..., "roles": [...]}, ...]. A user whose stored bcrypt hash
still matches its password keeps that hash, so an unchanged user list leaves the file as it
is. Prints {"changed": true|false}. The file is JSON, which YAML readers accept.
"""

import argparse
import json
import sys
from pathlib import Path

import bcrypt

META = {"type": "internalusers", "config_version": 2}


def stored_hashes(path: Path) -> dict[str, str]:
    try:
        document = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {name: entry.get("hash", "") for name, entry in document.items() if name != "_meta"}


def hash_for(password: str, stored: str) -> str:
    if stored and bcrypt.checkpw(password.encode(), stored.encode()):
        return stored
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="internal_users.yml to write")
    args = parser.parse_args()
    users = json.load(sys.stdin)
    stored = stored_hashes(args.path)
    document = {"_meta": META}
    for user in users:
        document[user["name"]] = {
            "hash": hash_for(user["password"], stored.get(user["name"], "")),
            "reserved": False,
            "backend_roles": [],
            "description": "managed by the opensearch role",
        }
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    changed = not args.path.exists() or args.path.read_text() != text
    if changed:
        args.path.write_text(text)
    print(json.dumps({"changed": changed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
