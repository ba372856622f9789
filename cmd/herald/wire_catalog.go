package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/demo"
	"github.com/heraldhq/herald/internal/pgstore"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
)

// catalogFlags are the serve flags of the catalog (HERALD_* env twins). The zero
// value is the defaults.
type catalogFlags struct {
	// Demo loads the demo catalog (schemas and catalog files) into an empty
	// database.
	Demo bool
	// Off disables the catalog (--no-catalog); /v1/catalog and /ui answer 404.
	Off bool
	// DB is the catalog's SQLite file or PostgreSQL URL. Empty: the registry's
	// PostgreSQL database, or a file next to the registry's SQLite one, named
	// <registry name>-catalog.db. A sibling file rather than the registry's own
	// keeps each store's migrations independent and lets the catalog be reset
	// without touching schemas.
	DB string
	// MaxFieldRows and MaxFieldNodes bound field tables and diffs
	// (catalog.FieldLimits). Zero: the catalog's defaults.
	MaxFieldRows, MaxFieldNodes int
}

// addCatalogFlags registers the catalog's serve flags on fs.
func addCatalogFlags(fs *pflag.FlagSet) *catalogFlags {
	f := &catalogFlags{}
	fs.BoolVar(&f.Demo, "demo", false, "load the demo catalog (a small shop: schemas, services, events, flows) into an empty database")
	fs.BoolVar(&f.Off, "no-catalog", false, "disable the web catalog (/ui and /v1/catalog answer 404)")
	fs.StringVar(&f.DB, "catalog-db", "", "catalog store: a SQLite file or a PostgreSQL URL (default: the --db PostgreSQL database, or a file next to --db named <name>-catalog.db)")
	fs.IntVar(&f.MaxFieldRows, "max-field-rows", catalog.DefaultMaxFieldRows, "most rows of one field table or changes of one diff in the catalog (a larger one answers 422)")
	fs.IntVar(&f.MaxFieldNodes, "max-field-nodes", catalog.DefaultMaxFieldNodes, "most schema nodes one field table visits (a larger one answers 422)")
	return f
}

// catalogDBPath is where the catalog lives: --catalog-db, or next to the registry
// database ("data/herald.db" → "data/herald-catalog.db").
func catalogDBPath(f *catalogFlags, registryDB string) string {
	return siblingDBPath(f.DB, registryDB, "catalog")
}

// openCatalog opens the catalog store and builds the catalog service over the
// registry and (optionally nil) broker. A nil service means the catalog is disabled.
func openCatalog(ctx context.Context, f *catalogFlags, registryDB string, reg *registry.Service, brk *broker.Broker, engines *server.EngineMetrics, log *slog.Logger) (*catalog.Service, io.Closer, error) {
	if f == nil {
		f = &catalogFlags{}
	}
	if f.Off {
		return nil, nil, nil
	}
	loc := catalogDBPath(f, registryDB)
	store, err := openCatalogStore(ctx, loc)
	if err != nil {
		return nil, nil, err
	}
	var observe func(bool, time.Duration, error)
	if engines != nil {
		engine := server.EngineSQLite
		if pgstore.IsURL(loc) {
			engine = server.EnginePostgres
		}
		observe = engines.StoreObserver(engine)
	}
	cat, err := catalog.New(ctx, catalog.Config{
		Store:       catalog.ObservedStore(store, observe),
		Registry:    server.CatalogRegistry(reg, Formats()...),
		Lineage:     server.CatalogLineage(brk),
		Logger:      log,
		FieldLimits: catalog.FieldLimits{MaxRows: f.MaxFieldRows, MaxNodes: f.MaxFieldNodes},
	})
	if err != nil {
		_ = store.Close() // error path: the catalog error is the one to report
		return nil, nil, err
	}
	if f.Demo {
		loaded, err := cat.LoadDemo(ctx, demo.FS)
		if err != nil {
			_ = store.Close() // error path: the load error is the one to report
			return nil, nil, fmt.Errorf("load demo: %w", err)
		}
		if loaded {
			demoTopics(ctx, cat, brk, log)
			c := cat.Counts()
			log.InfoContext(ctx, "demo catalog loaded", "domains", c.Domains, "services", c.Services, "events", c.Events, "flows", c.Flows)
		} else {
			log.InfoContext(ctx, "demo not loaded: the catalog is not empty")
		}
	}
	return cat, store, nil
}

// demoTopics creates a broker topic for every demo event bound to one and
// publishes the event's examples to it as the first service that sends it, so
// that the topics, the live tail and the observed lineage have something to
// show from the first start, and has every service that receives an event
// read its topic. Failures are logged: the catalog is usable without them.
func demoTopics(ctx context.Context, cat *catalog.Service, brk *broker.Broker, log *slog.Logger) {
	if brk == nil {
		return
	}
	doc := cat.Document()
	sender := map[string]string{} // event id → the first service (by id) that sends it
	for _, s := range doc.Services {
		for _, m := range s.Sends {
			if _, ok := sender[m.Event]; !ok {
				sender[m.Event] = s.ID
			}
		}
	}
	published := 0
	topic := map[string]string{} // event id → its topic
	for _, ev := range doc.Events {
		topic[ev.ID] = ev.Topic
		if ev.Topic == "" {
			continue
		}
		if _, err := brk.PutTopic(ctx, broker.Topic{Name: ev.Topic, ValueSubject: ev.Subject}); err != nil {
			log.WarnContext(ctx, "demo topic not created", "topic", ev.Topic, "err", err)
			continue
		}
		// The examples the event page marks valid; the demo keeps one
		// invalid on purpose, and publishing it would count a refusal
		// against the service.
		d, err := cat.EventDetail(ctx, ev.ID, catalog.Latest)
		if err != nil {
			log.WarnContext(ctx, "demo examples not published", "event", ev.ID, "err", err)
			continue
		}
		for i, ex := range d.Examples {
			if !ex.Valid {
				continue
			}
			e := broker.Event{ID: fmt.Sprintf("demo/%s/%d", ev.ID, i+1), Value: ex.Example.Value}
			if _, err := brk.Publish(ctx, ev.Topic, []broker.Event{e}, broker.PublishOptions{Producer: sender[ev.ID]}); err != nil {
				log.WarnContext(ctx, "demo example not published", "topic", ev.Topic, "example", ex.Example.Name, "err", err)
				continue
			}
			published++
		}
	}
	// Each service that receives an event reads its topic as a consumer
	// group of its own name and commits what it read.
	for _, s := range doc.Services {
		for _, m := range s.Receives {
			if topic[m.Event] == "" {
				continue
			}
			err := demoConsume(ctx, brk, topic[m.Event], s.ID)
			if err != nil {
				log.WarnContext(ctx, "demo consumer did not read", "topic", topic[m.Event], "service", s.ID, "err", err)
			}
		}
	}
	log.InfoContext(ctx, "demo examples published", "events", published)
}

// demoConsume reads topic as the consumer group service and commits its offset.
func demoConsume(ctx context.Context, brk *broker.Broker, topic, service string) error {
	res, err := brk.Read(ctx, broker.ReadRequest{Topic: topic, Group: service, Client: service})
	if err != nil {
		return err
	}
	return brk.CommitOffset(ctx, service, topic, res.Next)
}
