package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
)

// FeedLink is one calendar feed of a programme, as staff see it.
type FeedLink struct {
	Kind          string     `json:"kind" enum:"programme,delegation,person,speaker,room"`
	Key           string     `json:"key"`
	Name          string     `json:"name"`
	URL           string     `json:"url,omitempty" doc:"The feed's secret address; absent once revoked."`
	PageURL       string     `json:"page_url,omitempty" doc:"The personal agenda page of the same token."`
	Revoked       bool       `json:"revoked"`
	LastFetchedAt *time.Time `json:"last_fetched_at,omitempty" doc:"When a calendar last fetched the feed; absent if never."`
	LatestChange  time.Time  `json:"latest_change" doc:"When anything in the feed last changed."`
	Current       bool       `json:"current" doc:"Whether a calendar fetched the feed since its latest change."`
	Former        bool       `json:"former" doc:"A feed the programme no longer offers."`
}

type listFeedsInput struct {
	Slug       string `path:"slug"`
	NotCurrent bool   `query:"not_current" doc:"Only feeds not fetched since their latest change: who has not synced."`
}

type feedInput struct {
	Slug string `path:"slug"`
	Kind string `path:"kind" enum:"programme,delegation,person,speaker,room"`
	Key  string `path:"key"`
}

// FeedsOutput lists feed links.
type FeedsOutput struct {
	Body struct {
		Items []FeedLink `json:"items"`
	}
}

// FeedOutput is one feed link.
type FeedOutput struct {
	Body FeedLink
}

func (s *Server) registerFeeds() {
	tag := []string{"feeds"}
	base := Prefix + "/programmes/{slug}/feeds"
	register(s, huma.Operation{OperationID: "list-feeds", Method: http.MethodGet, Path: base, Tags: tag,
		Summary: "List feed links", Description: "Feeds that have no link yet get one, as on the staff page."},
		programme.ActionViewProgrammes, func(ctx context.Context, in *listFeedsInput) (*FeedsOutput, error) {
			if s.feeds == nil {
				return nil, huma.Error404NotFound("Feeds are not served here.")
			}
			ls, err := s.feeds.List(ctx, in.Slug, true)
			if err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			out := &FeedsOutput{}
			out.Body.Items = []FeedLink{}
			for _, l := range ls {
				if in.NotCurrent && (l.Current || l.Revoked) {
					continue
				}
				out.Body.Items = append(out.Body.Items, s.feedLink(l))
			}
			return out, nil
		})
	register(s, huma.Operation{OperationID: "rotate-feed", Method: http.MethodPost, Path: base + "/{kind}/{key}/rotate", Tags: tag,
		Summary: "Give a feed a new link", Description: "The old link stops working at once; a revoked feed works again."},
		programme.ActionManageFeeds, func(ctx context.Context, in *feedInput) (*FeedOutput, error) {
			if s.feeds == nil {
				return nil, huma.Error404NotFound("Feeds are not served here.")
			}
			l, err := s.feeds.Rotate(ctx, in.Slug, programme.FeedKind(in.Kind), in.Key)
			if err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			return &FeedOutput{Body: s.feedLink(l)}, nil
		})
	register(s, huma.Operation{OperationID: "revoke-feed", Method: http.MethodDelete, Path: base + "/{kind}/{key}", Tags: tag,
		Summary: "Revoke a feed's link", DefaultStatus: http.StatusNoContent},
		programme.ActionManageFeeds, func(ctx context.Context, in *feedInput) (*noContent, error) {
			if s.feeds == nil {
				return nil, huma.Error404NotFound("Feeds are not served here.")
			}
			if err := s.feeds.Revoke(ctx, in.Slug, programme.FeedKind(in.Kind), in.Key); err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			return &noContent{}, nil
		})
}

func (s *Server) feedLink(l feeds.Listing) FeedLink {
	f := FeedLink{Kind: string(l.Kind), Key: l.Key, Name: l.Name, URL: l.URL, Revoked: l.Revoked,
		LastFetchedAt: timeOrNil(l.LastFetchedAt), LatestChange: l.LatestChange.UTC(), Current: l.Current, Former: l.Former}
	if !l.Revoked {
		f.PageURL = s.feeds.PageURLOf(l)
	}
	return f
}
