package mocks_test

import (
	"context"
	"sync"
)

// memPersister is an in-memory Persister whose Load and Save can be made
// to fail; the fakes' persistence tests share it.
type memPersister struct {
	mu       sync.Mutex
	data     map[string][]byte
	failSave error
	failLoad error
	saves    int
}

func (p *memPersister) Load(_ context.Context, name string) ([]byte, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failLoad != nil {
		return nil, false, p.failLoad
	}
	d, ok := p.data[name]
	return append([]byte(nil), d...), ok, nil
}

func (p *memPersister) Save(_ context.Context, name string, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failSave != nil {
		return p.failSave
	}
	if p.data == nil {
		p.data = map[string][]byte{}
	}
	p.data[name] = append([]byte(nil), data...)
	p.saves++
	return nil
}
