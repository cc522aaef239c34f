package models

import "context"

// fillEach gives a page of parents what their child rows say, with one
// query for the whole page: the rows of R whose column holds one of the
// parents' ids, in order, each handed to its parent by add (reset empties
// the parent's list first, so a parent with no rows ends up empty).
func fillEach[P, R any](ctx context.Context, s *Store, parents []P, key func(P) string, reset func(P),
	column, order, what string, owner func(R) string, add func(P, R)) error {
	if len(parents) == 0 {
		return nil
	}
	ids := make([]string, len(parents))
	byID := make(map[string]P, len(parents))
	for i, p := range parents {
		ids[i] = key(p)
		byID[ids[i]] = p
		reset(p)
	}
	var rows []R
	if err := s.gorm(ctx).Where(column+" IN ?", ids).Order(order).Find(&rows).Error; err != nil {
		return internal(what, err)
	}
	for _, r := range rows {
		add(byID[owner(r)], r)
	}
	return nil
}
