"""check.py validates iCalendar feeds with vobject (Debian's python3-vobject),
independently of the Go code that wrote them.

Usage: /usr/bin/python3 check.py FILE.ics...
It reads every feed in one process, as a client subscribed to them all
does: vobject keeps the first VTIMEZONE it sees for a TZID and reads every
later feed's times through it, so a zone defined differently in two feeds
puts events off. Each event's DTSTART and DTEND must be the instant that
Python's zoneinfo gives for the same wall-clock time. It prints every
problem and exits 1 when there is any.
"""
import datetime
import importlib.metadata
import sys
import zoneinfo

import vobject

problems = []
events = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            cal = vobject.readOne(f.read())
        if not cal.getChildren():
            problems.append(f"{path}: the calendar holds no component")
        for ev in getattr(cal, "vevent_list", []):
            events += 1
            for name in ("dtstart", "dtend"):
                prop = getattr(ev, name)
                tzid = (prop.params.get("TZID") or prop.params.get("X-VOBJ-ORIGINAL-TZID") or [None])[0]
                if tzid is None or prop.value.tzinfo is None:
                    problems.append(f"{path}: event {ev.uid.value}: {name.upper()} has no zone")
                    continue
                from_feed = prop.value.astimezone(datetime.timezone.utc)
                wall = prop.value.replace(tzinfo=None)
                from_system = wall.replace(tzinfo=zoneinfo.ZoneInfo(tzid)).astimezone(datetime.timezone.utc)
                if from_feed != from_system:
                    problems.append(f"{path}: event {ev.uid.value}: {name.upper()} {wall.isoformat()} {tzid} is "
                                    f"{from_feed.isoformat()} by vobject but {from_system.isoformat()} by zoneinfo")
    except Exception as e:  # any refusal is a problem to report, not a crash
        problems.append(f"{path}: {type(e).__name__}: {e}")
for p in problems:
    print(p, file=sys.stderr)
print(f"vobject {importlib.metadata.version('vobject')}: {len(sys.argv) - 1} feeds, {events} events, {len(problems)} problems")
sys.exit(1 if problems else 0)
