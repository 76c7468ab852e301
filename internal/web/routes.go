package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/planner-dev/planner/internal/programme"
)

// routes registers the middleware and every route of the server. All routes
// live here so that the whole surface of the application is on one page.
func (s *Server) routes() {
	e, get := s.e, s.get
	e.Use(
		requestID(),
		s.requestLogger(),
		recoverPanics(),
		middleware.SecureWithConfig(secureHeaders),
		middleware.BodyLimit(bodyLimit),
		// ContextTimeout only cancels the request's context; the older
		// Timeout middleware has data races.
		middleware.ContextTimeout(requestTimeout),
	)

	get("/healthz", s.handleHealthGet)
	get("/", s.handleProgrammeList)
	get("/p/:slug", s.handleProgrammeShow)
	get("/static/:name", s.handleStaticGet)

	// Calendar feeds and personal agenda pages are reached by secret token alone.
	get("/feeds/:file", s.handleFeedGet)
	get("/a/:token", s.handlePersonalShow)
	get("/a/:token/qr.png", s.handlePersonalQR)

	// Staff pages: a login session, CSRF tokens and a role check on each
	// (staff_auth.go).
	if s.staff != nil {
		staff := e.Group(staffHome, s.staffMiddleware()...)
		staff.Match(getMethods, "/login", s.handleLoginShow)
		staff.POST("/login", s.handleLoginCreate)
		staff.POST("/logout", s.handleLogout)
		view, edit := s.requireRole(programme.ActionViewProgrammes), s.requireRole(programme.ActionEditProgrammes)
		manageFeeds := s.requireRole(programme.ActionManageFeeds)
		staff.Match(getMethods, "", s.handleProgrammeIndex, view)
		staff.POST("/edit-check", s.handleEditCheck, edit)

		// A programme's overview, day view, feed links and printouts
		// (staff_overview.go, staff_days.go, staff_feeds.go, staff_print.go).
		staff.Match(getMethods, "/p/:slug", s.handleStaffOverview, view)
		staff.Match(getMethods, "/p/:slug/day/:date", s.handleDayShow, view)
		staff.Match(getMethods, "/p/:slug/feeds", s.handleStaffFeedList, view)
		staff.POST("/p/:slug/feeds/:kind/:key/rotate", s.handleStaffFeedRotate, manageFeeds)
		staff.POST("/p/:slug/feeds/:kind/:key/revoke", s.handleStaffFeedRevoke, manageFeeds)
		staff.Match(getMethods, "/p/:slug/print", s.handlePrintIndex, view)
		staff.Match(getMethods, "/p/:slug/print/delegations/:key", s.handlePrintDelegation, view)
		// Welcome sheets carry each delegate's secret link, as a QR code.
		staff.Match(getMethods, "/p/:slug/print/welcome", s.handlePrintWelcome, manageFeeds)
		staff.Match(getMethods, "/p/:slug/print/welcome/:person", s.handlePrintWelcome, manageFeeds)

		if s.changes != nil {
			// Programmes and their history (staff_programmes.go,
			// staff_imports.go, staff_history.go).
			staff.Match(getMethods, "/programmes/new", s.handleProgrammeNew, edit)
			staff.POST("/programmes", s.handleProgrammeCreate, edit)
			staff.Match(getMethods, "/p/:slug/edit", s.handleProgrammeEdit, edit)
			staff.POST("/p/:slug/edit", s.handleProgrammeUpdate, edit)
			staff.Match(getMethods, "/p/:slug/export", s.handleProgrammeExport, view)
			staff.Match(getMethods, "/import", s.handleImportNew, edit)
			staff.POST("/import", s.handleImportPreview, edit)
			staff.POST("/import/confirm", s.handleImportCreate, edit)
			staff.Match(getMethods, "/p/:slug/history", s.handleHistoryIndex, view)
			staff.POST("/p/:slug/history/:id/undo", s.handleHistoryUndo, edit)
			// Published calendars brought in as sessions (staff_calendars.go).
			staff.Match(getMethods, "/p/:slug/calendars", s.handleCalendarIndex, view)
			staff.POST("/p/:slug/calendars/read", s.handleCalendarRead, edit)
			staff.POST("/p/:slug/calendars/preview", s.handleCalendarPreview, edit)
			staff.POST("/p/:slug/calendars/confirm", s.handleCalendarConfirm, edit)
		}
	}
}

// getMethods are answered by every readable route: monitors and link checkers
// send HEAD. net/http sends a HEAD the headers of the GET (the length too,
// when the handler wrote the whole body into its buffer) and drops the body.
var getMethods = []string{http.MethodGet, http.MethodHead}

// get registers a route for GET and HEAD.
func (s *Server) get(path string, h echo.HandlerFunc) { s.e.Match(getMethods, path, h) }
