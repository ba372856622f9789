package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/catalog"
)

// newCatalogCommand returns `herald catalog`: apply, export and import the
// catalog of a running server (--server, env HERALD_SERVER).
func newCatalogCommand() *cobra.Command {
	var serverURL string
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Apply, export and import the event catalog of a Herald server",
		Long: "Catalog as code: `herald catalog apply DIR` sends every .yaml/.yml/.json file under DIR\n" +
			"(or one FILE) to the server, which replaces its catalog with them (idempotently; a\n" +
			"catalog with errors changes nothing and each error names its file and line).\n" +
			"`herald catalog export` prints the catalog in the same format. `herald catalog import\n" +
			"asyncapi FILE` adds the services, events and edges of an AsyncAPI 3.0 document and\n" +
			"registers its payload schemas.",
	}
	cmd.PersistentFlags().StringVar(&serverURL, "server", defaultServer, "Herald server URL (env HERALD_SERVER)")
	creds := addCredentialFlags(cmd.PersistentFlags())
	var hc *http.Client
	cmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
		var err error
		hc, err = creds.httpClient(&http.Client{Timeout: 2 * time.Minute}, serverURL)
		return err
	}
	client := func() *catalogClient {
		return &catalogClient{base: strings.TrimRight(serverURL, "/"), http: hc}
	}

	apply := &cobra.Command{
		Use:   "apply DIR|FILE",
		Short: "Replace the server's catalog with the files in DIR (or FILE)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := readCatalogFiles(args[0])
			if err != nil {
				return usageErrorf("%v", err)
			}
			body, _ := json.Marshal(map[string]any{"files": files})
			var res catalog.ApplyResult
			if err := client().do(cmd.Context(), http.MethodPut, "/v1/catalog", "application/json", body, &res); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			state := "unchanged"
			if res.Changed {
				state = "applied"
			}
			if _, err := fmt.Fprintf(out, "catalog %s (revision %d): %d domains, %d services, %d events, %d flows, %d teams\n",
				state, res.Revision, res.Counts.Domains, res.Counts.Services, res.Counts.Events, res.Counts.Flows, res.Counts.Teams); err != nil {
				return err
			}
			for _, w := range res.Warnings {
				if _, err := fmt.Fprintf(out, "warning: %s\n", w); err != nil {
					return err
				}
			}
			return nil
		},
	}

	var output, format string
	export := &cobra.Command{
		Use:   "export",
		Short: "Print the server's catalog (YAML, or JSON with --format json)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var buf bytes.Buffer
			if err := client().raw(cmd.Context(), http.MethodGet, "/v1/catalog?format="+format, &buf); err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err := cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			return os.WriteFile(output, buf.Bytes(), 0o644)
		},
	}
	export.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	export.Flags().StringVar(&format, "format", "yaml", "yaml or json")

	imp := &cobra.Command{
		Use:   "import asyncapi FILE",
		Short: "Import an AsyncAPI 3.0 document: services, events, edges and payload schemas",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "asyncapi" {
				return usageErrorf("unknown import format %q: only asyncapi is supported", args[0])
			}
			b, err := os.ReadFile(args[1])
			if err != nil {
				return usageErrorf("%v", err)
			}
			var res catalog.ImportResult
			if err := client().do(cmd.Context(), http.MethodPost, "/v1/catalog/import/asyncapi", "application/yaml", b, &res); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "imported service %s: %d events, %d schemas registered\n", res.Service, len(res.Events), res.Schemas)
			return err
		},
	}
	cmd.AddCommand(apply, export, imp)
	return cmd
}

// readCatalogFiles reads one file, or every catalog file under a folder.
func readCatalogFiles(path string) ([]catalog.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return []catalog.File{{Name: filepath.Base(path), Data: string(b)}}, nil
	}
	files, err := catalog.FilesFromFS(os.DirFS(path), ".")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .yaml, .yml or .json files under %s", path)
	}
	return files, nil
}

// catalogClient calls a Herald server's /v1/catalog API.
type catalogClient struct {
	base string
	http *http.Client
}

// catalogAPIError is an error body from the server, printed with its details.
type catalogAPIError struct {
	Status    int
	ErrorCode int               `json:"error_code"`
	Message   string            `json:"message"`
	Details   []catalog.Problem `json:"details"`
}

func (e *catalogAPIError) Error() string {
	if len(e.Details) == 0 {
		return fmt.Sprintf("%s (HTTP %d, error %d)", e.Message, e.Status, e.ErrorCode)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the catalog was not applied: %d %s\n", len(e.Details), map[bool]string{true: "error", false: "errors"}[len(e.Details) == 1])
	for _, p := range e.Details {
		b.WriteString("  ")
		b.WriteString(p.String())
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (c *catalogClient) request(ctx context.Context, method, path, contentType string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %w", c.base, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		e := &catalogAPIError{Status: resp.StatusCode}
		b, _ := io.ReadAll(resp.Body)
		if json.Unmarshal(b, e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(b))
		}
		return nil, e
	}
	return resp, nil
}

func (c *catalogClient) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	resp, err := c.request(ctx, method, path, contentType, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

func (c *catalogClient) raw(ctx context.Context, method, path string, w io.Writer) error {
	resp, err := c.request(ctx, method, path, "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}
