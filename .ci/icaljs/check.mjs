// check.mjs validates iCalendar feeds with ical.js, Mozilla's parser (the one
// Thunderbird uses), independently of the Go code that wrote them.
//
// Usage: node check.mjs FILE.ics...
// For every feed it checks RFC 5545 line ends, the calendar properties a
// subscription needs (and no METHOD: a subscription is not an iTIP message),
// at least one component, every event's required properties, and that each
// event's time, read through the feed's own VTIMEZONE, is the instant that
// the ICU time-zone database in Node gives for the same wall-clock time.
// Across all the feeds given, each TZID must have one VTIMEZONE, byte for
// byte, since clients such as vobject cache a zone by its TZID.
// It exits non-zero on the first feed with any problem, naming each problem.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const problems = [];
let events = 0;
// zoneText maps a TZID to the first VTIMEZONE seen for it and its file.
const zoneText = new Map();

function zoneOffsetMinutes(utcMillis, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23",
    year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric", second: "numeric",
  }).formatToParts(new Date(utcMillis));
  const get = (t) => Number(parts.find((p) => p.type === t).value);
  const asUTC = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return (asUTC - utcMillis) / 60000;
}

// icuInstant turns a wall-clock time in zone into UTC milliseconds using ICU.
function icuInstant(t, zone) {
  const naive = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  let guess = naive - zoneOffsetMinutes(naive, zone) * 60000;
  guess = naive - zoneOffsetMinutes(guess, zone) * 60000;
  return guess;
}

function check(file) {
  const text = readFileSync(file, "utf8");
  const bad = (msg) => problems.push(`${file}: ${msg}`);
  if (!text.endsWith("\r\n")) bad("does not end with CRLF");
  text.split("\r\n").forEach((line, i) => {
    if (line.includes("\n") || line.includes("\r")) bad(`line ${i + 1}: bare CR or LF`);
    if (Buffer.byteLength(line) > 75) bad(`line ${i + 1}: longer than 75 octets`);
  });
  let cal;
  try {
    cal = new ICAL.Component(ICAL.parse(text));
  } catch (e) {
    bad(`ical.js cannot parse it: ${e.message}`);
    return;
  }
  if (cal.name !== "vcalendar") bad(`top component is ${cal.name}`);
  for (const prop of ["prodid", "version", "name", "x-wr-calname", "x-wr-timezone", "refresh-interval", "x-published-ttl"]) {
    if (!cal.hasProperty(prop)) bad(`calendar has no ${prop.toUpperCase()}`);
  }
  if (cal.getFirstPropertyValue("version") !== "2.0") bad("VERSION is not 2.0");
  if (cal.hasProperty("method")) bad(`calendar has METHOD:${cal.getFirstPropertyValue("method")}, want none`);
  if (cal.getAllSubcomponents().length === 0) bad("calendar holds no component");
  for (const m of text.matchAll(/BEGIN:VTIMEZONE\r\nTZID:([^\r]*)\r\n[\s\S]*?END:VTIMEZONE\r\n/g)) {
    const seen = zoneText.get(m[1]);
    if (!seen) zoneText.set(m[1], { file, text: m[0] });
    else if (seen.text !== m[0]) bad(`VTIMEZONE ${m[1]} differs from the one in ${seen.file}`);
  }
  const zones = new Set();
  for (const vtz of cal.getAllSubcomponents("vtimezone")) {
    const tz = new ICAL.Timezone(vtz);
    ICAL.TimezoneService.register(tz);
    zones.add(tz.tzid);
  }
  const uids = new Set();
  for (const vevent of cal.getAllSubcomponents("vevent")) {
    events++;
    const ev = new ICAL.Event(vevent);
    const uid = ev.uid;
    const where = `event ${uid}`;
    if (!uid) bad("an event has no UID");
    if (uids.has(uid)) bad(`${where}: UID appears twice`);
    uids.add(uid);
    for (const prop of ["dtstamp", "dtstart", "dtend", "summary", "sequence", "status", "last-modified"]) {
      if (!vevent.hasProperty(prop)) bad(`${where}: no ${prop.toUpperCase()}`);
    }
    const status = vevent.getFirstPropertyValue("status");
    if (!["TENTATIVE", "CONFIRMED", "CANCELLED"].includes(status)) bad(`${where}: STATUS ${status}`);
    const seq = vevent.getFirstPropertyValue("sequence");
    if (!Number.isInteger(seq) || seq < 0) bad(`${where}: SEQUENCE ${seq}`);
    for (const name of ["dtstart", "dtend"]) {
      const prop = vevent.getFirstProperty(name);
      if (!prop) continue;
      const tzid = prop.getParameter("tzid");
      if (!tzid) { bad(`${where}: ${name.toUpperCase()} has no TZID`); continue; }
      if (!zones.has(tzid)) bad(`${where}: ${name.toUpperCase()} names ${tzid}, which has no VTIMEZONE`);
      const t = prop.getFirstValue();
      if (t.isDate) bad(`${where}: ${name.toUpperCase()} is a date, not a time`);
      const fromFeed = t.toJSDate().getTime();
      const fromICU = icuInstant(t, tzid);
      if (fromFeed !== fromICU) {
        bad(`${where}: ${name.toUpperCase()} ${t.toString()} ${tzid} is ${new Date(fromFeed).toISOString()} by the feed's VTIMEZONE but ${new Date(fromICU).toISOString()} by ICU`);
      }
    }
    if (ev.endDate && ev.startDate && ev.endDate.compare(ev.startDate) <= 0) bad(`${where}: ends before it starts`);
  }
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check.mjs FILE.ics...");
  process.exit(2);
}
files.forEach(check);
for (const p of problems) console.error(p);
console.log(`ical.js: ${files.length} feeds, ${events} events, ${zoneText.size} zones, ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
