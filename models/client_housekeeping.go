package models

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

// A client's console users and what deleting the client removes, for the
// console's housekeeping pages.

// MaxClientUsers is how many users ListClientUsers returns at most.
const MaxClientUsers = 500

// ListClientUsers returns the console users of a client visible in sc,
// oldest first.
func (s *Store) ListClientUsers(ctx context.Context, sc Scope, clientID string) ([]User, error) {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, err
	}
	var users []User
	err := s.gorm(ctx).Where("client_id = ? AND role = ?", clientID, RoleClient).Order("created_at, id").Limit(MaxClientUsers).Find(&users).Error
	return users, internal("list users", err)
}

// ClientUser returns one user of a client visible in sc; a user of
// another client (or an admin) is NotFound.
func (s *Store) ClientUser(ctx context.Context, sc Scope, clientID, userID string) (*User, error) {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, err
	}
	var u User
	err := s.gorm(ctx).Where("id = ? AND client_id = ? AND role = ?", userID, clientID, RoleClient).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("user")
	}
	if err != nil {
		return nil, internal("get user", err)
	}
	return &u, nil
}

// DeleteClientUser removes a client's user with their sessions and reset
// links (the foreign keys cascade). actorID is the user asking: nobody
// removes their own account this way (409 own_account), so a client is
// never left by accident with nobody signed in to remove the others.
func (s *Store) DeleteClientUser(ctx context.Context, sc Scope, clientID, userID, actorID string) error {
	u, err := s.ClientUser(ctx, sc, clientID, userID)
	if err != nil {
		return err
	}
	if u.ID == actorID {
		return Conflict("own_account", "", "you cannot remove your own account; ask another user or an admin")
	}
	res := s.gorm(ctx).Where("id = ? AND client_id = ?", u.ID, clientID).Delete(&User{})
	if res.Error != nil {
		return internal("delete user", res.Error)
	}
	if res.RowsAffected == 0 {
		return NotFound("user")
	}
	return nil
}

// ClientFootprint is what a client has: what deleting it removes (users,
// keys, webhook endpoints, pools, originators, opt-outs, campaigns) and
// the domains that must be deleted first.
type ClientFootprint struct {
	Domains, Users, APIKeys, WebhookEndpoints, Pools, Originators, OptOuts, Campaigns int64
}

// ClientFootprint counts a client's rows (admins only, as DeleteClient).
func (s *Store) ClientFootprint(ctx context.Context, sc Scope, clientID string) (*ClientFootprint, error) {
	c, err := s.GetClient(ctx, sc, clientID)
	if err != nil {
		return nil, err
	}
	f := &ClientFootprint{Domains: c.DomainCount}
	for table, n := range map[string]*int64{"users": &f.Users, "api_keys": &f.APIKeys, "webhook_endpoints": &f.WebhookEndpoints,
		"pools": &f.Pools, "originators": &f.Originators, "opt_outs": &f.OptOuts, "campaigns": &f.Campaigns} {
		if err := s.gorm(ctx).Table(table).Where("client_id = ?", clientID).Count(n).Error; err != nil {
			return nil, internal("count "+table, err)
		}
	}
	return f, nil
}

// HasWebhooks reports whether a client on this plan may have webhook
// endpoints of its own (premium and enterprise).
func (p Plan) HasWebhooks() bool { return p == PlanPremium || p == PlanEnterprise }

// ClientKey returns one API key of a client visible in sc; another
// client's key, or an admin key, is NotFound.
func (s *Store) ClientKey(ctx context.Context, sc Scope, clientID, keyID string) (*APIKey, error) {
	if _, err := s.GetClient(ctx, sc, clientID); err != nil {
		return nil, err
	}
	var k APIKey
	err := s.gorm(ctx).Where("id = ? AND client_id = ? AND role = ?", keyID, clientID, RoleClient).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("api key")
	}
	if err != nil {
		return nil, internal("get key", err)
	}
	return &k, nil
}
