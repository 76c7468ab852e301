package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleHealthGet answers 200 "ok" while the database answers a ping, else
// 503, for load balancers and orchestrators. The body is plain text whatever
// the client accepts, so that probes can match it.
func (s *Server) handleHealthGet(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), pingTimeout)
	defer cancel()
	c.Response().Header().Set("Cache-Control", "no-store")
	if err := s.store.Ping(ctx); err != nil {
		c.Set(errorKey, err)
		c.Response().Header().Set("Retry-After", RetryAfterSeconds)
		return c.String(http.StatusServiceUnavailable, "unavailable")
	}
	return c.String(http.StatusOK, "ok")
}
