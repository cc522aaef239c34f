package models

import "context"

// ClientTrackingDomains lists the client's configured url_tracking
// domains by host: the tracking domains its settings may name (the
// console's choice of domain).
func (s *Store) ClientTrackingDomains(ctx context.Context, sc Scope, clientID string) ([]*Domain, error) {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, err
	}
	var rows []*Domain
	err := s.gorm(ctx).Where("client_id = ? AND purpose = ? AND status = ?", clientID, PurposeURLTracking, StatusConfigured).
		Order("host").Find(&rows).Error
	if err != nil {
		return nil, internal("list tracking domains", err)
	}
	return rows, nil
}
