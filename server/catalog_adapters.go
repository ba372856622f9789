package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server/broker"
)

// CatalogRegistry adapts the registry to what the catalog needs. formats are
// the schema formats (the same the registry was built with); they provide the
// compatibility primitive for the catalog's diffs.
func CatalogRegistry(reg *registry.Service, formats ...compat.Format) catalog.Registry {
	return &catalogRegistry{reg: reg, formats: compat.FormatsOf(formats...)}
}

type catalogRegistry struct {
	reg     *registry.Service
	formats compat.Formats
}

// translate turns the registry's not-found errors into catalog.ErrSchemaNotFound.
func translate(err error) error {
	if errors.Is(err, registry.ErrSubjectNotFound) || errors.Is(err, registry.ErrVersionNotFound) || errors.Is(err, registry.ErrSchemaNotFound) {
		return fmt.Errorf("%w: %v", catalog.ErrSchemaNotFound, err)
	}
	return err
}

func toSchemaVersion(s registry.Schema) catalog.SchemaVersion {
	return catalog.SchemaVersion{Subject: s.Subject, Version: s.Version, ID: s.ID, Type: s.Type, Text: s.Text, CreatedAt: s.CreatedAt, CreatedBy: s.CreatedBy}
}

func (a *catalogRegistry) Subjects(ctx context.Context) ([]string, error) {
	return a.reg.Subjects(ctx, registry.ListOptions{})
}

func (a *catalogRegistry) Versions(ctx context.Context, subject string) ([]catalog.SchemaVersion, error) {
	nums, err := a.reg.Versions(ctx, subject, registry.ListOptions{})
	if err != nil {
		return nil, translate(err)
	}
	out := make([]catalog.SchemaVersion, 0, len(nums))
	for _, n := range nums {
		s, err := a.reg.Version(ctx, subject, n, false)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, toSchemaVersion(s))
	}
	return out, nil
}

func (a *catalogRegistry) Schema(ctx context.Context, subject string, version int) (catalog.SchemaVersion, compat.Schema, error) {
	if version == catalog.Latest {
		version = registry.Latest
	}
	s, parsed, err := a.reg.ParsedVersion(ctx, subject, version)
	if err != nil {
		return catalog.SchemaVersion{}, nil, translate(err)
	}
	return toSchemaVersion(s), parsed, nil
}

func (a *catalogRegistry) Compatibility(ctx context.Context, subject string) (compat.Level, compat.Options, error) {
	cfg, err := a.reg.Config(ctx, subject, true)
	if err != nil {
		return compat.Backward, compat.Options{}, err
	}
	opts := compat.Options{Limits: a.reg.CompatLimits()}
	level := compat.Backward
	if cfg.Compatibility != nil {
		level = *cfg.Compatibility
	}
	if cfg.Policy != nil {
		opts.Policy = *cfg.Policy
	}
	if cfg.RuleSet != nil {
		opts.RuleSet = *cfg.RuleSet
	}
	return level, opts, nil
}

func (a *catalogRegistry) CanRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, error) {
	return a.formats.CanRead(ctx, reader, writer, opts)
}

func (a *catalogRegistry) Register(ctx context.Context, subject string, t compat.SchemaType, text string) (catalog.SchemaVersion, error) {
	s, err := a.reg.Register(ctx, registry.RegisterRequest{Subject: subject, Type: t, Text: text})
	if err != nil {
		return catalog.SchemaVersion{}, err
	}
	return toSchemaVersion(s), nil
}

func (a *catalogRegistry) Recent(ctx context.Context, n int) ([]catalog.SchemaVersion, error) {
	all, err := a.reg.Schemas(ctx, registry.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]catalog.SchemaVersion, len(all))
	for i, s := range all {
		out[i] = toSchemaVersion(s)
	}
	return catalog.MostRecent(out, n), nil
}

// CatalogLineage adapts the broker's observed producers and consumers to the
// catalog. A nil broker gives nil (no observed edges).
func CatalogLineage(b *broker.Broker) catalog.Lineage {
	if b == nil {
		return nil
	}
	return catalog.LineageFunc(func(ctx context.Context) ([]catalog.Observation, error) {
		obs, err := b.Lineage(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]catalog.Observation, len(obs))
		for i, o := range obs {
			action := catalog.Sends
			if o.Role == broker.Consumer {
				action = catalog.Receives
			}
			out[i] = catalog.Observation{Client: o.Client, Topic: o.Topic, Action: action, FirstSeen: o.FirstSeen, LastSeen: o.LastSeen, Count: o.Count}
		}
		return out, nil
	})
}
