/* imip.c validates the calendars of invitation messages (iTIP, RFC 5546) with
 * libical, independently of the Go code that wrote them.
 *
 * Usage: imip FILE.ics...
 * For every calendar it parses the text, requires one VCALENDAR with a
 * METHOD of REQUEST or CANCEL and at least one event, runs libical's
 * restriction check (the rules of RFC 5545, and those of RFC 5546 for the
 * METHOD: ORGANIZER, ATTENDEE, SEQUENCE and the like), and requires every
 * event to carry a UID, a DTSTAMP, an ORGANIZER and an ATTENDEE. Times are in
 * UTC, so no VTIMEZONE is wanted (feeds are checked by check.c instead).
 * It prints every problem and exits 1 when there is any.
 */
#include "common.h"

static void need(const char *file, icalcomponent *ev, icalproperty_kind kind, const char *name) {
    if (!icalcomponent_get_first_property(ev, kind)) {
        bad(file, "an event has no", name);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: imip FILE.ics...\n");
        return 2;
    }
    int events = 0;
    for (int i = 1; i < argc; i++) {
        const char *file = argv[i];
        icalcomponent *cal = calendar(file);
        if (!cal) continue;
        icalproperty_method method = icalcomponent_get_method(cal);
        if (method != ICAL_METHOD_REQUEST && method != ICAL_METHOD_CANCEL) {
            bad(file, "the METHOD is neither REQUEST nor CANCEL", icalproperty_method_to_string(method));
        }
        if (!icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT)) {
            bad(file, "the calendar holds no event", NULL);
        }
        for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
             ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
            events++;
            need(file, ev, ICAL_UID_PROPERTY, "UID");
            need(file, ev, ICAL_DTSTAMP_PROPERTY, "DTSTAMP");
            need(file, ev, ICAL_ORGANIZER_PROPERTY, "ORGANIZER");
            need(file, ev, ICAL_ATTENDEE_PROPERTY, "ATTENDEE");
            need(file, ev, ICAL_SEQUENCE_PROPERTY, "SEQUENCE");
        }
        icalcomponent_free(cal);
    }
    printf("libical %s: %d invitations, %d events, %d problems\n", ICAL_VERSION, argc - 1, events, problems);
    return problems == 0 ? 0 : 1;
}
