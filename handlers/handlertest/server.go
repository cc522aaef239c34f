package handlertest

import (
	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/app"
)

// Config is every setting of the whole HTTP layer (app.Config).
type Config = app.Config

// NewServer assembles the whole HTTP layer as cmd/linkgate does (app.New).
func NewServer(cfg Config) (*handlers.Server, error) { return app.New(cfg) }
