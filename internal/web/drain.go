package web

import (
	"net/http"
)

// A server behind a load balancer that stops at once drops the keep-alive
// connections the balancer holds to it: a request the balancer sends on one
// just as it closes fails ("upstream prematurely closed connection"), and a
// balancer retries only idempotent requests (nginx's proxy_next_upstream),
// so a POST caught that way is lost. With Config.ShutdownDrain, Run first
// drains: for that long it goes on serving, but /healthz answers 503 (so
// that balancers with active health checks stop sending) and every answer
// closes its connection (so that the balancer opens new ones, to other
// instances once it has marked this one down), and idle connections are left
// to the balancer to close; then it shuts down as without a drain.

// drainHandler serves next, or, while the server drains, answers /healthz
// with 503 and closes every connection after its answer.
func (s *Server) drainHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.draining.Load() {
			next.ServeHTTP(w, r)
			return
		}
		// net/http closes the connection after an answer that says so.
		w.Header().Set("Connection", "close")
		if r.URL.Path == "/healthz" {
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			if r.Method != http.MethodHead {
				_, _ = w.Write([]byte("draining"))
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}
