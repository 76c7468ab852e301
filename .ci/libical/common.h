/* common.h is what the libical checkers (check.c for feeds, imip.c for
 * invitations) share: problem reporting, reading a file, and parsing it into
 * the one VCALENDAR both want, with libical's restriction check run and its
 * errors reported. Each checker includes it once. */
#ifndef PLANNER_LIBICAL_COMMON_H
#define PLANNER_LIBICAL_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libical/ical.h>

static int problems;

static void bad(const char *file, const char *msg, const char *detail) {
    fprintf(stderr, "%s: %s%s%s\n", file, msg, detail ? ": " : "", detail ? detail : "");
    problems++;
}

static char *slurp(const char *file) {
    FILE *f = fopen(file, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(buf); return NULL; }
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* errors reports every X-LIC-ERROR that the parser or the restriction check
 * attached to c or to any component inside it, naming the component. */
static void errors(const char *file, icalcomponent *c) {
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
        char where[128];
        snprintf(where, sizeof where, "libical error in %s", icalcomponent_kind_to_string(icalcomponent_isa(c)));
        bad(file, where, icalproperty_get_xlicerror(p));
    }
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        errors(file, s);
    }
}

/* calendar parses file into one VCALENDAR, runs libical's restriction check
 * (RFC 5545, and RFC 5546 when a METHOD is present) and reports its errors.
 * It returns NULL, the problem reported, when the file cannot be read or
 * parsed or its top component is not a VCALENDAR; the caller frees what it
 * returns. */
static icalcomponent *calendar(const char *file) {
    char *text = slurp(file);
    if (!text) { bad(file, "cannot read it", NULL); return NULL; }
    icalcomponent *cal = icalparser_parse_string(text);
    free(text);
    if (!cal) { bad(file, "libical cannot parse it", icalerror_strerror(icalerrno)); return NULL; }
    if (icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
        bad(file, "the top component is not one VCALENDAR", icalcomponent_kind_to_string(icalcomponent_isa(cal)));
        icalcomponent_free(cal);
        return NULL;
    }
    icalrestriction_check(cal);
    errors(file, cal);
    return cal;
}

#endif
