package registry

import (
	"context"
	"errors"

	"github.com/heraldhq/herald/compat"
)

// Latest stands for the latest live version wherever a version number is taken.
const Latest = -1

// errUnimplemented marks methods whose bodies are still to be written.
var errUnimplemented = errors.New("registry: not implemented")

// ServiceConfig configures a Service.
type ServiceConfig struct {
	// MaxSchemaBytes bounds the schema text; larger gives ErrSchemaTooLarge (42209).
	// Zero: 1 MiB.
	MaxSchemaBytes int
	// DefaultCompatibility is the server-wide default level. Zero: BACKWARD.
	DefaultCompatibility compat.Level
}

// Service implements the registry's rules over a Store.
type Service struct {
	cfg ServiceConfig
}

// ParseVersion parses a version path segment: a positive integer, "latest" or "-1"
// (both Latest). Anything else wraps ErrInvalidVersion (42202).
func ParseVersion(s string) (int, error) { return 0, errUnimplemented }

// Subjects lists subjects (qualified outside the default context) in order.
func (s *Service) Subjects(ctx context.Context, opts ListOptions) ([]string, error) {
	return nil, errUnimplemented
}

// Versions lists a subject's version numbers, ascending.
// Errors: ErrSubjectNotFound.
func (s *Service) Versions(ctx context.Context, subject string, opts ListOptions) ([]int, error) {
	return nil, errUnimplemented
}

// Register registers a schema under a subject (idempotently) and returns the stored
// subject version. Errors: ErrInvalidSchema, ErrInvalidSubject, ErrSchemaTooLarge,
// ErrIncompatible, ErrOperationNotPermitted, ErrIDConflict, ErrSubjectNotFound and
// ErrVersionNotFound (for references).
func (s *Service) Register(ctx context.Context, req RegisterRequest) (Schema, error) {
	return Schema{}, errUnimplemented
}

// Lookup finds the version of subject holding the same schema as req.
// deleted includes soft-deleted versions. Errors: ErrSubjectNotFound,
// ErrSchemaNotFound, ErrInvalidSchema.
func (s *Service) Lookup(ctx context.Context, req RegisterRequest, deleted bool) (Schema, error) {
	return Schema{}, errUnimplemented
}

// Version returns one subject version (Latest for the latest live one).
// Errors: ErrSubjectNotFound, ErrVersionNotFound, ErrInvalidVersion.
func (s *Service) Version(ctx context.Context, subject string, version int, deleted bool) (Schema, error) {
	return Schema{}, errUnimplemented
}

// ReferencedBy lists the ids of schemas that reference a subject version.
func (s *Service) ReferencedBy(ctx context.Context, subject string, version int, opts ListOptions) ([]int, error) {
	return nil, errUnimplemented
}

// DeleteSubject soft- or hard-deletes a subject and returns the versions deleted.
func (s *Service) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	return nil, errUnimplemented
}

// DeleteVersion soft- or hard-deletes one version and returns its number.
func (s *Service) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) (int, error) {
	return 0, errUnimplemented
}

// SchemaByID returns a schema by id, served from memory after the first read.
// subject, when not empty, selects the context (and fills Subject and Version).
// Errors: ErrSchemaNotFound.
func (s *Service) SchemaByID(ctx context.Context, id int, subject string) (Schema, error) {
	return Schema{}, errUnimplemented
}

// SchemaByGUID returns a schema by its GUID. Errors: ErrSchemaNotFound.
func (s *Service) SchemaByGUID(ctx context.Context, guid string) (Schema, error) {
	return Schema{}, errUnimplemented
}

// SubjectVersionsByID lists the subject versions that hold schema id.
func (s *Service) SubjectVersionsByID(ctx context.Context, id int, subject string, opts ListOptions) ([]SubjectVersion, error) {
	return nil, errUnimplemented
}

// Schemas lists subject versions matching opts.
func (s *Service) Schemas(ctx context.Context, opts ListOptions) ([]Schema, error) {
	return nil, errUnimplemented
}

// CheckCompatibility checks req against one version of its subject (version > 0 or
// Latest), or against what registration would check (version == 0).
func (s *Service) CheckCompatibility(ctx context.Context, req RegisterRequest, version int) (CompatResult, error) {
	return CompatResult{}, errUnimplemented
}

// Config returns the config set at subject (or context, or global when subject is
// ""). With defaultToGlobal it returns the effective merged config instead.
// Errors: ErrSubjectConfigNotFound.
func (s *Service) Config(ctx context.Context, subject string, defaultToGlobal bool) (Config, error) {
	return Config{}, errUnimplemented
}

// SetConfig sets config fields at a level and returns the resulting config there.
func (s *Service) SetConfig(ctx context.Context, subject string, cfg Config) (Config, error) {
	return Config{}, errUnimplemented
}

// DeleteConfig removes the config set at a level and returns it.
func (s *Service) DeleteConfig(ctx context.Context, subject string) (Config, error) {
	return Config{}, errUnimplemented
}

// Mode returns the mode at a level (subject "" = global).
// Errors: ErrSubjectModeNotFound.
func (s *Service) Mode(ctx context.Context, subject string, defaultToGlobal bool) (Mode, error) {
	return 0, errUnimplemented
}

// SetMode sets the mode at a level. Switching to IMPORT needs an empty scope unless force.
func (s *Service) SetMode(ctx context.Context, subject string, mode Mode, force bool) (Mode, error) {
	return 0, errUnimplemented
}

// DeleteMode removes the mode set at a level and returns it.
func (s *Service) DeleteMode(ctx context.Context, subject string, recursive bool) (Mode, error) {
	return 0, errUnimplemented
}

// Contexts lists context names; "." is always present.
func (s *Service) Contexts(ctx context.Context, opts ListOptions) ([]string, error) {
	return nil, errUnimplemented
}

// DeleteContext deletes an empty context. Errors: ErrContextNotEmpty.
func (s *Service) DeleteContext(ctx context.Context, name string) error {
	return errUnimplemented
}

// Parsed returns the parsed schema for an id (cached), for payload validation by the
// broker and the catalog. Errors: ErrSchemaNotFound.
func (s *Service) Parsed(ctx context.Context, id int, subject string) (compat.Schema, error) {
	return nil, errUnimplemented
}
