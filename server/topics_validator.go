package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server/broker"
)

// NewValidator adapts the registry to the broker's Validator: subjects' live
// versions and parsed schemas by id. The registry's not-found errors become the
// broker's (and only the broker's, so the broker's error rows answer them).
func NewValidator(reg *registry.Service) broker.Validator {
	return registryValidator{reg: reg}
}

type registryValidator struct{ reg *registry.Service }

// Versions implements broker.Validator.
func (v registryValidator) Versions(ctx context.Context, subject string) ([]broker.SchemaVersion, error) {
	nums, err := v.reg.Versions(ctx, subject, registry.ListOptions{})
	if err != nil {
		if errors.Is(err, registry.ErrSubjectNotFound) {
			return nil, fmt.Errorf("%w: %s", broker.ErrSubjectNotFound, err.Error())
		}
		return nil, err
	}
	out := make([]broker.SchemaVersion, 0, len(nums))
	for _, n := range nums {
		sc, err := v.reg.Version(ctx, subject, n, false)
		if errors.Is(err, registry.ErrVersionNotFound) || errors.Is(err, registry.ErrSubjectNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, broker.SchemaVersion{Version: sc.Version, ID: sc.ID})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: subject %s has no live version", broker.ErrSubjectNotFound, subject)
	}
	return out, nil
}

// Schema implements broker.Validator.
func (v registryValidator) Schema(ctx context.Context, subject string, id int) (compat.Schema, error) {
	s, err := v.reg.Parsed(ctx, id, subject)
	if errors.Is(err, registry.ErrSchemaNotFound) {
		return nil, fmt.Errorf("%w: %s", broker.ErrSchemaNotFound, err.Error())
	}
	return s, err
}
