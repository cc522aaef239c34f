// Package handlertest is test support only: production code never
// imports it. It assembles the whole HTTP layer (the kit and its three
// audiences) the way cmd/linkgate does, serves it over real HTTP, and
// gives the tests of handlers, handlers/api and handlers/console their
// shared tools: a client whose transport validates every exchange
// against the OpenAPI document, request and problem+json helpers, and an
// environment with a running workflow engine on the fakes.
//
// The rule: it holds only what more than one package's tests use; tests
// that use it are external test packages (package api_test, ...).
package handlertest
