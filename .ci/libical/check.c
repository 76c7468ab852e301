/* check.c validates iCalendar feeds with libical, the parser of Evolution,
 * KDE's tools and many servers, independently of the Go code that wrote them.
 *
 * Usage: check FILE.ics...
 * For every feed it parses the text, runs libical's restriction check (the
 * rules of RFC 5545, and of RFC 5546 when a METHOD is present), refuses a
 * calendar with no component, and reads each event's DTSTART and DTEND
 * through the feed's own VTIMEZONE, comparing the instant with the one the C
 * library's mktime works out from the system's zone data (/usr/share/zoneinfo)
 * for the same TZID. (libical's own built-in zones are not used for that:
 * libical 3.0 reads some zones' history wrongly, Jerusalem's 2015 for one.)
 * It prints every problem and exits 1 when there is any.
 */
#include <time.h>
#include "common.h"

/* systemInstant is the instant of a wall-clock time in zone tzid by the C
 * library. Feeds never hold a time in a daylight-saving gap or overlap (the
 * programme format refuses them), so mktime has no guess to make. */
static time_t systemInstant(struct icaltimetype t, const char *tzid) {
    setenv("TZ", tzid, 1);
    tzset();
    struct tm tm = {0};
    tm.tm_year = t.year - 1900;
    tm.tm_mon = t.month - 1;
    tm.tm_mday = t.day;
    tm.tm_hour = t.hour;
    tm.tm_min = t.minute;
    tm.tm_sec = t.second;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

/* when checks one DTSTART or DTEND of an event: a TZID with a VTIMEZONE in
 * the feed, and the same instant through that VTIMEZONE as through the
 * system's zone data. */
static void when(const char *file, icalcomponent *cal, icalcomponent *ev, icalproperty_kind kind, const char *uid) {
    const char *name = kind == ICAL_DTSTART_PROPERTY ? "DTSTART" : "DTEND";
    char msg[512];
    icalproperty *p = icalcomponent_get_first_property(ev, kind);
    if (!p) { snprintf(msg, sizeof msg, "event %s has no %s", uid, name); bad(file, msg, NULL); return; }
    icalparameter *param = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    if (!param) { snprintf(msg, sizeof msg, "event %s: %s has no TZID", uid, name); bad(file, msg, NULL); return; }
    const char *tzid = icalparameter_get_tzid(param);
    icaltimezone *own = icalcomponent_get_timezone(cal, tzid);
    if (!own) { snprintf(msg, sizeof msg, "event %s: %s names %s, which has no VTIMEZONE", uid, name, tzid); bad(file, msg, NULL); return; }
    char path[512];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tzid);
    FILE *zf = fopen(path, "rb");
    if (!zf) { snprintf(msg, sizeof msg, "event %s: the system knows no zone %s", uid, tzid); bad(file, msg, NULL); return; }
    fclose(zf);
    struct icaltimetype t = icalvalue_get_datetime(icalproperty_get_value(p));
    if (t.is_date) { snprintf(msg, sizeof msg, "event %s: %s is a date", uid, name); bad(file, msg, NULL); return; }
    t.zone = NULL;
    time_t fromFeed = icaltime_as_timet_with_zone(t, own);
    time_t fromSystem = systemInstant(t, tzid);
    if (fromFeed != fromSystem) {
        snprintf(msg, sizeof msg, "event %s: %s %s %s is %lld by the feed's VTIMEZONE but %lld by the system's zone data",
                 uid, name, icaltime_as_ical_string(t), tzid, (long long)fromFeed, (long long)fromSystem);
        bad(file, msg, NULL);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: check FILE.ics...\n");
        return 2;
    }
    int events = 0;
    for (int i = 1; i < argc; i++) {
        const char *file = argv[i];
        icalcomponent *cal = calendar(file);
        if (!cal) continue;
        if (!icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT)) {
            bad(file, "the calendar holds no component (RFC 5545 wants at least one)", NULL);
        }
        for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
             ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
            events++;
            const char *uid = icalcomponent_get_uid(ev);
            when(file, cal, ev, ICAL_DTSTART_PROPERTY, uid ? uid : "(no UID)");
            when(file, cal, ev, ICAL_DTEND_PROPERTY, uid ? uid : "(no UID)");
        }
        icalcomponent_free(cal);
    }
    printf("libical %s: %d feeds, %d events, %d problems\n", ICAL_VERSION, argc - 1, events, problems);
    return problems == 0 ? 0 : 1;
}
