package feeds

import "strings"

// PageURLOf returns the URL of the personal agenda page of a listed feed,
// the /a/<token> page with the subscribe buttons, or "" for a revoked feed.
// Staff print it, as a QR code, on the welcome sheet a delegate is handed.
// It reads the token back from the listing's feed URL, which this package
// built, so that it depends on nothing but that URL's form.
func (s *Service) PageURLOf(l Listing) string {
	if l.Revoked || l.URL == "" {
		return ""
	}
	token, ok := strings.CutPrefix(l.URL, s.baseURL+"/feeds/")
	if !ok {
		return ""
	}
	token, ok = strings.CutSuffix(token, ".ics")
	if !ok || !ValidTokenSyntax(token) {
		return ""
	}
	return s.PageURL(token)
}
