package web

import (
	"net/http"
	"testing"

	"github.com/planner-dev/planner/internal/hostile"
)

func TestZZTmp(t *testing.T) {
	env := newHostileEnv(t)
	for _, in := range hostile.Files("api") {
		if in.Name != "put-session-bad-utf8" && in.Name != "put-session-duplicate-name-starts-at" && in.Name != "put-session-lone-surrogate-escape" {
			continue
		}
		m, tg, h, b := parseRequestFile(t, in)
		st, body := env.apiDo(m, tg, h, b)
		t.Logf("%s: %d %s", in.Name, st, body)
	}
	st, body := env.apiDo(http.MethodGet, "/api/v1/programmes/"+demoSlug+"/sessions?day=2016-13-45", nil, nil)
	t.Logf("day: %d %s", st, body)
}
