package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// This file holds the registry administration calls `herald import` and
// `herald export` copy a registry with: every version with its id, soft-deleted
// ones included, and the config and mode of each level. They speak the plain
// Confluent API, so they also work against Confluent, Karapace, Apicurio's
// ccompat API and AxonOps.

// StoredVersion is one subject version with everything a registry stores for it
// (Confluent's Schema entity).
type StoredVersion struct {
	Subject    string          `json:"subject"`
	Version    int             `json:"version"`
	ID         int             `json:"id"`
	SchemaType string          `json:"schemaType,omitempty"`
	Schema     string          `json:"schema"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Deleted    bool            `json:"deleted,omitempty"`
}

// levelPath is "/config" or "/mode" for the global level (subject ""), else
// with the subject (or ":.ctx:" context) escaped after it.
func levelPath(base, subject string) string {
	if subject == "" {
		return base
	}
	return base + "/" + url.PathEscape(subject)
}

// ListSubjects lists subjects starting with prefix (GET /subjects). An empty
// prefix is every context, as Confluent reads an absent one; deleted includes
// subjects whose versions are all soft-deleted.
func (c *Client) ListSubjects(ctx context.Context, prefix string, deleted bool) ([]string, error) {
	q := url.Values{}
	if prefix != "" {
		q.Set("subjectPrefix", prefix)
	}
	if deleted {
		q.Set("deleted", "true")
	}
	var out []string
	if err := c.do(ctx, request{method: "GET", path: "/subjects", query: q}, &out); err != nil {
		return nil, fmt.Errorf("list subjects: %w", err)
	}
	return out, nil
}

// ListContexts lists the registry's contexts (GET /contexts). A registry
// without contexts (404) has only the default one, ".".
func (c *Client) ListContexts(ctx context.Context) ([]string, error) {
	var out []string
	err := c.do(ctx, request{method: "GET", path: "/contexts"}, &out)
	if IsNotFound(err) {
		return []string{"."}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list contexts: %w", err)
	}
	return out, nil
}

// AllVersions lists a subject's versions, soft-deleted ones included (GET
// /subjects/{s}/versions?deleted=true).
func (c *Client) AllVersions(ctx context.Context, subject string) ([]int, error) {
	var out []int
	q := url.Values{"deleted": {"true"}}
	if err := c.do(ctx, request{method: "GET", path: subjectPath(subject) + "/versions", query: q}, &out); err != nil {
		return nil, fmt.Errorf("versions of %s: %w", subject, err)
	}
	return out, nil
}

// StoredVersionOf returns one version of a subject, soft-deleted or not (GET
// /subjects/{s}/versions/{v}?deleted=true).
func (c *Client) StoredVersionOf(ctx context.Context, subject string, version int) (StoredVersion, error) {
	var out StoredVersion
	q := url.Values{"deleted": {"true"}}
	if err := c.do(ctx, request{method: "GET", path: subjectPath(subject) + "/versions/" + strconv.Itoa(version), query: q}, &out); err != nil {
		return out, fmt.Errorf("version %d of %s: %w", version, subject, err)
	}
	if out.SchemaType == "" {
		out.SchemaType = "AVRO"
	}
	return out, nil
}

// RawSchemaByID returns the schema stored under an id in the context of
// subject (any subject there, or ":.ctx:"; "" for the default context), not
// cached: GET /schemas/ids/{id}?subject=.
func (c *Client) RawSchemaByID(ctx context.Context, id int, subject string) (StoredVersion, error) {
	var out StoredVersion
	q := url.Values{}
	if subject != "" {
		q.Set("subject", subject)
	}
	if err := c.do(ctx, request{method: "GET", path: "/schemas/ids/" + strconv.Itoa(id), query: q}, &out); err != nil {
		return out, fmt.Errorf("schema %d: %w", id, err)
	}
	if out.SchemaType == "" {
		out.SchemaType = "AVRO"
	}
	return out, nil
}

// ImportVersion registers v under its subject with its own id and version
// (POST /subjects/{s}/versions), which the registry accepts in IMPORT mode. It
// returns the id the registry answered.
func (c *Client) ImportVersion(ctx context.Context, v StoredVersion) (int, error) {
	body := struct {
		Schema     string          `json:"schema"`
		SchemaType string          `json:"schemaType,omitempty"`
		References []Reference     `json:"references,omitempty"`
		Metadata   json.RawMessage `json:"metadata,omitempty"`
		RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
		ID         int             `json:"id"`
		Version    int             `json:"version"`
	}{v.Schema, v.SchemaType, v.References, v.Metadata, v.RuleSet, v.ID, v.Version}
	var out struct {
		ID int `json:"id"`
	}
	if err := c.do(ctx, request{method: "POST", path: subjectPath(v.Subject) + "/versions", body: body}, &out); err != nil {
		return 0, fmt.Errorf("import version %d of %s: %w", v.Version, v.Subject, err)
	}
	return out.ID, nil
}

// DeleteSubjectVersion soft-deletes one version (DELETE
// /subjects/{s}/versions/{v}), or hard-deletes a soft-deleted one with permanent.
func (c *Client) DeleteSubjectVersion(ctx context.Context, subject string, version int, permanent bool) error {
	q := url.Values{}
	if permanent {
		q.Set("permanent", "true")
	}
	if err := c.do(ctx, request{method: "DELETE", path: subjectPath(subject) + "/versions/" + strconv.Itoa(version), query: q}, nil); err != nil {
		return fmt.Errorf("delete version %d of %s: %w", version, subject, err)
	}
	return nil
}

// LevelConfig returns the config set at one level: the global one (subject ""),
// a context (":.ctx:") or a subject, as GET /config[/{s}] answers it, with the
// level under "compatibilityLevel". Nil when nothing is set at that level.
func (c *Client) LevelConfig(ctx context.Context, subject string) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.do(ctx, request{method: "GET", path: levelPath("/config", subject)}, &out)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config of %q: %w", subject, err)
	}
	return out, nil
}

// SetLevelConfig sets the config at one level (PUT /config[/{s}]). cfg is the
// PUT body, with the level under "compatibility".
func (c *Client) SetLevelConfig(ctx context.Context, subject string, cfg json.RawMessage) error {
	if err := c.do(ctx, request{method: "PUT", path: levelPath("/config", subject), raw: cfg}, nil); err != nil {
		return fmt.Errorf("set config of %q: %w", subject, err)
	}
	return nil
}

// LevelMode returns the mode set at one level (GET /mode[/{s}]), "" when
// nothing is set there (the global level always answers).
func (c *Client) LevelMode(ctx context.Context, subject string) (string, error) {
	var out struct {
		Mode string `json:"mode"`
	}
	err := c.do(ctx, request{method: "GET", path: levelPath("/mode", subject)}, &out)
	if IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("mode of %q: %w", subject, err)
	}
	return out.Mode, nil
}

// SetLevelMode sets the mode at one level (PUT /mode[/{s}]); force lets
// IMPORT be set where schemas already exist.
func (c *Client) SetLevelMode(ctx context.Context, subject, mode string, force bool) error {
	q := url.Values{}
	if force {
		q.Set("force", "true")
	}
	body := map[string]string{"mode": mode}
	if err := c.do(ctx, request{method: "PUT", path: levelPath("/mode", subject), query: q, body: body}, nil); err != nil {
		return fmt.Errorf("set mode of %q to %s: %w", subject, mode, err)
	}
	return nil
}

// DeleteLevelMode removes the mode set at one level (DELETE /mode[/{s}]); a
// level with none set is not an error.
func (c *Client) DeleteLevelMode(ctx context.Context, subject string) error {
	err := c.do(ctx, request{method: "DELETE", path: levelPath("/mode", subject)}, nil)
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete mode of %q: %w", subject, err)
	}
	return nil
}
