package store

import "github.com/planner-dev/planner/internal/programme"

func (im *importer) delegations() error {
	incoming := make([]delegationRow, len(im.in.Delegations))
	for i, d := range im.in.Delegations {
		incoming[i] = delegationRow{ProgrammeKeyedRow: im.meta(d.Key), Name: d.Name, Country: d.Country, Lead: ref(d.Lead), Note: d.Note}
	}
	_, err := syncItems(im, syncSpec[delegationRow]{
		kind: "delegation", old: im.old.delegations, incoming: incoming,
		order: keysOf(im.merged.Delegations, func(d *programme.Delegation) string { return d.Key }),
		item:  "delegation", title: func(r *delegationRow) string { return r.Name },
		change: func(o, n *delegationRow) programme.ItemChange {
			return programme.DelegationChange(im.base.Delegation(o.Key), im.merged.Delegation(n.Key))
		},
	})
	return err
}

func (im *importer) people() error {
	incoming := make([]personRow, len(im.in.People))
	for i, p := range im.in.People {
		incoming[i] = personRow{
			ProgrammeKeyedRow: im.meta(p.Key), Name: p.Name, Title: p.Title, Organization: p.Organization,
			Role: p.Role, Delegation: ref(p.Delegation), Email: p.Email, Phone: p.Phone, Note: p.Note,
			CalendarByEmail: p.CalendarByEmail,
		}
	}
	personKey := func(p *programme.Person) string { return p.Key }
	stored, next := indexOf(im.base.People, personKey), indexOf(im.merged.People, personKey)
	rows, err := syncItems(im, syncSpec[personRow]{
		kind: "person", old: im.old.people, incoming: incoming,
		order: keysOf(im.merged.People, personKey),
		item:  "person", title: func(r *personRow) string { return r.Name },
		change: func(o, n *personRow) programme.ItemChange {
			return programme.PersonChange(stored[o.Key], next[n.Key])
		},
	})
	if err != nil {
		return err
	}
	// The delegation history follows the person's Delegation: a move leaves
	// the old delegation's row inactive (see programme.Person.FormerDelegations).
	// People left out of the file keep theirs as it is.
	oldHistory := groupBy(im.old.delegationsOf, func(r *personDelegationRow) int64 { return r.PersonID })
	var add []personDelegationRow
	for _, p := range im.in.People {
		id := rows[p.Key].ID
		plan := planHistory(oldHistory[id], listedRef(p.Delegation, func(d string) personDelegationRow {
			return personDelegationRow{Delegation: d}
		}), func(r *personDelegationRow) string { return r.Delegation }, nil, im.now)
		if err := saveHistory(im, plan.updates); err != nil {
			return err
		}
		for _, r := range plan.inserts {
			r.ProgrammeID, r.PersonID = im.progID, id
			add = append(add, r)
		}
	}
	return im.insert(add)
}

// listedRef is the list of a history kept for a single reference (a person's
// delegation, a session's room): the reference alone, or nothing when it is
// empty. A new row starts at 0 Changes, as an audience member does.
func listedRef[R any](key string, row func(string) R) []R {
	if key == "" {
		return nil
	}
	return []R{row(key)}
}

// saveHistory writes a history plan's updated rows one by one.
func saveHistory[R any](im *importer, rows []R) error {
	for i := range rows {
		im.touch()
		if err := im.db().Save(&rows[i]).Error; err != nil {
			return err
		}
	}
	return nil
}
