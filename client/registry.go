package client

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// Schema is a schema as the registry stores it: its format, its text and the
// references it imports.
type Schema struct {
	// Type is the format; the zero value is Avro, as in the Confluent API.
	Type compat.SchemaType
	// Text is the schema document.
	Text string
	// References name the registered schemas this one imports.
	References []Reference
}

// Reference names a registered schema that another imports: Name is how the
// importing schema refers to it (a Protobuf import path, a JSON Schema $ref URI,
// an Avro full name), Subject and Version where it is registered.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// SubjectSchema is one version of a subject.
type SubjectSchema struct {
	Subject string
	Version int
	// ID is the schema's global id, the one in the wire format.
	ID int
	Schema
	// Deleted reports a soft-deleted version.
	Deleted bool
}

// Report is the outcome of CheckCompatibility: whether the schema may be
// registered, and every violation found, each naming its rule, the path inside
// the schema, the direction that failed and the version compared against.
type Report = compat.Report

// schemaJSON is the registry's schema view (subject version, by id, register).
type schemaJSON struct {
	Subject    string      `json:"subject,omitempty"`
	Version    int         `json:"version,omitempty"`
	ID         int         `json:"id,omitempty"`
	SchemaType string      `json:"schemaType,omitempty"`
	References []Reference `json:"references,omitempty"`
	Schema     string      `json:"schema"`
	Deleted    bool        `json:"deleted,omitempty"`
}

func toSchemaJSON(s Schema) schemaJSON {
	return schemaJSON{Schema: s.Text, SchemaType: s.Type.String(), References: s.References}
}

func (j schemaJSON) schema() (Schema, error) {
	t, err := compat.ParseSchemaType(j.SchemaType)
	if err != nil {
		return Schema{}, err
	}
	return Schema{Type: t, Text: j.Schema, References: j.References}, nil
}

func (j schemaJSON) subjectSchema() (SubjectSchema, error) {
	s, err := j.schema()
	if err != nil {
		return SubjectSchema{}, err
	}
	return SubjectSchema{Subject: j.Subject, Version: j.Version, ID: j.ID, Schema: s, Deleted: j.Deleted}, nil
}

// subjectPath is "/subjects/{subject}" with the subject escaped.
func subjectPath(subject string) string {
	return "/subjects/" + url.PathEscape(subject)
}

// SchemaByID returns the schema with a global id (GET /schemas/ids/{id}). The
// answer is cached forever after the first fetch, since an id never changes
// meaning, and concurrent calls for an id not yet cached make one request.
func (c *Client) SchemaByID(ctx context.Context, id int) (Schema, error) {
	return c.byID.get(ctx, id, func() (Schema, error) {
		var out schemaJSON
		if err := c.do(ctx, request{method: "GET", path: "/schemas/ids/" + strconv.Itoa(id)}, &out); err != nil {
			return Schema{}, fmt.Errorf("schema %d: %w", id, err)
		}
		return out.schema()
	})
}

// ParsedByID returns the schema with a global id parsed by its compat format,
// with its references fetched and resolved. It is cached forever, like
// SchemaByID.
func (c *Client) ParsedByID(ctx context.Context, id int) (compat.Schema, error) {
	return c.parsed.get(ctx, id, func() (compat.Schema, error) {
		s, err := c.SchemaByID(ctx, id)
		if err != nil {
			return nil, err
		}
		p, err := c.Parse(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("schema %d: %w", id, err)
		}
		return p, nil
	})
}

// Parse parses a schema with its compat format. Its references are fetched
// (each referenced subject version, recursively) and passed to the format
// dependencies first. A bad schema gives a *compat.SchemaError.
func (c *Client) Parse(ctx context.Context, s Schema) (compat.Schema, error) {
	f, err := format(s.Type)
	if err != nil {
		return nil, err
	}
	var refs []compat.Reference
	if len(s.References) > 0 {
		refs, err = c.resolve(ctx, s.References, map[string]bool{}, nil)
		if err != nil {
			return nil, err
		}
	}
	return f.Parse(s.Text, refs)
}

// resolve appends the references (and theirs, first) to out, depth-first and
// deduplicated by name.
func (c *Client) resolve(ctx context.Context, refs []Reference, seen map[string]bool, out []compat.Reference) ([]compat.Reference, error) {
	for _, r := range refs {
		if seen[r.Name] {
			continue
		}
		seen[r.Name] = true
		v, err := c.referenced(ctx, r.Subject, r.Version)
		if err != nil {
			return nil, fmt.Errorf("reference %s: %w", r.Name, err)
		}
		if out, err = c.resolve(ctx, v.References, seen, out); err != nil {
			return nil, err
		}
		out = append(out, compat.Reference{Name: r.Name, Text: v.Text})
	}
	return out, nil
}

// referenced fetches a referenced subject version, cached: the schema a
// concrete version holds never changes.
func (c *Client) referenced(ctx context.Context, subject string, version int) (SubjectSchema, error) {
	if version <= 0 {
		return c.Version(ctx, subject, version)
	}
	return c.refVersions.get(ctx, subjectVersion{subject, version}, func() (SubjectSchema, error) {
		return c.Version(ctx, subject, version)
	})
}

// Version returns one version of a subject (GET
// /subjects/{subject}/versions/{version}); version -1 or 0 means the latest.
// It is not cached.
func (c *Client) Version(ctx context.Context, subject string, version int) (SubjectSchema, error) {
	v := "latest"
	if version > 0 {
		v = strconv.Itoa(version)
	}
	var out schemaJSON
	if err := c.do(ctx, request{method: "GET", path: subjectPath(subject) + "/versions/" + v}, &out); err != nil {
		return SubjectSchema{}, fmt.Errorf("subject %s version %s: %w", subject, v, err)
	}
	return out.subjectSchema()
}

// Latest returns the latest live version of a subject (GET
// /subjects/{subject}/versions/latest). It is not cached.
func (c *Client) Latest(ctx context.Context, subject string) (SubjectSchema, error) {
	return c.Version(ctx, subject, -1)
}

// Versions lists the live versions of a subject, ascending (GET
// /subjects/{subject}/versions).
func (c *Client) Versions(ctx context.Context, subject string) ([]int, error) {
	var out []int
	if err := c.do(ctx, request{method: "GET", path: subjectPath(subject) + "/versions"}, &out); err != nil {
		return nil, fmt.Errorf("versions of %s: %w", subject, err)
	}
	return out, nil
}

// Register registers a schema under a subject, or finds it already registered,
// and returns its global id (POST /subjects/{subject}/versions?normalize=). The
// id is cached per subject and schema, so registering the same schema again
// makes no request. An incompatible schema gives an *APIError for which
// IsIncompatible is true, with the violations.
func (c *Client) Register(ctx context.Context, subject string, s Schema, normalize bool) (int, error) {
	k := registerKey{subject: subject, typ: s.Type, text: s.Text, refs: refsKey(s.References), normalize: normalize}
	return c.registered.get(ctx, k, func() (int, error) {
		var out struct {
			ID int `json:"id"`
		}
		q := url.Values{}
		if normalize {
			q.Set("normalize", "true")
		}
		r := request{method: "POST", path: subjectPath(subject) + "/versions", query: q, body: toSchemaJSON(s)}
		if err := c.do(ctx, r, &out); err != nil {
			return 0, fmt.Errorf("register %s: %w", subject, err)
		}
		return out.ID, nil
	})
}

// refsKey flattens references into a string for a cache key.
func refsKey(refs []Reference) string {
	if len(refs) == 0 {
		return ""
	}
	var b strings.Builder
	for _, r := range refs {
		fmt.Fprintf(&b, "%q %q %d;", r.Name, r.Subject, r.Version)
	}
	return b.String()
}

// Lookup finds the version of a subject that holds a schema (POST
// /subjects/{subject}?normalize=) without registering it. A schema not
// registered under the subject gives an error for which IsNotFound is true.
func (c *Client) Lookup(ctx context.Context, subject string, s Schema, normalize bool) (SubjectSchema, error) {
	q := url.Values{}
	if normalize {
		q.Set("normalize", "true")
	}
	var out schemaJSON
	r := request{method: "POST", path: subjectPath(subject), query: q, body: toSchemaJSON(s)}
	if err := c.do(ctx, r, &out); err != nil {
		return SubjectSchema{}, fmt.Errorf("lookup in %s: %w", subject, err)
	}
	return out.subjectSchema()
}

// CheckCompatibility checks a schema against the versions of a subject that
// registration would compare it with, under the subject's level, and reports
// every violation (Herald's POST /v1/compat/subjects/{subject}). An
// incompatible schema is a Report with Compatible false, not an error.
//
// A registry without that route (Confluent, Karapace, Apicurio's ccompat) is
// asked with POST /compatibility/subjects/{subject}/versions/latest?verbose=true
// instead: its verbose messages become the violations, as far as they can be
// read, and the check is against the latest version only.
func (c *Client) CheckCompatibility(ctx context.Context, subject string, s Schema) (Report, error) {
	var out Report
	r := request{method: "POST", path: "/v1/compat/subjects/" + url.PathEscape(subject), body: toSchemaJSON(s), native: true}
	if err := c.do(ctx, r, &out); err != nil {
		if isMissingRoute(err) {
			return c.checkConfluent(ctx, subject, s)
		}
		return Report{}, fmt.Errorf("check compatibility with %s: %w", subject, err)
	}
	if out.Violations == nil {
		out.Violations = []compat.Violation{}
	}
	return out, nil
}
