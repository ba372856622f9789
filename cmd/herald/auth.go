package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/server/auth"
)

// newAuthCmd builds `herald auth`: the helpers that write auth file lines.
func newAuthCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Make the secret lines of an auth file (herald serve --auth FILE)",
	}
	cmd.AddCommand(newAuthHashCmd(), newAuthNewKeyCmd())
	return cmd
}

// newAuthHashCmd builds `herald auth hash`.
func newAuthHashCmd() *cobra.Command {
	var apiKey bool
	cmd := &cobra.Command{
		Use:   "hash",
		Short: "Hash a password (or, with --api-key, an API key) read from stdin, and print the auth file line",
		Long: `Hash a password read from the first line of stdin with bcrypt (cost 12), or with
--api-key an API key with SHA-256, and print the line to paste under the
principal in the auth file. Only the hash goes into the file.

  printf '%s' "$PASSWORD" | herald auth hash
  password: "$2a$12$..."`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret, err := readSecret(cmd.InOrStdin())
			if err != nil {
				return usageErrorf("%v", err)
			}
			if apiKey {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "apiKey: %q\n", auth.HashAPIKey(secret))
				return err
			}
			h, err := auth.HashPassword(secret)
			if err != nil {
				return usageErrorf("hash: %v", err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "password: %q\n", h)
			return err
		},
	}
	cmd.Flags().BoolVar(&apiKey, "api-key", false, "the input is an API key: print its SHA-256 (apiKey: \"sha256:...\")")
	return cmd
}

// maxSecretBytes bounds what auth hash reads: bcrypt uses 72 bytes at most,
// and an API key is far shorter than this.
const maxSecretBytes = 4096

// readSecret reads the first line of r, without its line ending.
func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxSecretBytes+2), maxSecretBytes+2).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	switch {
	case line == "":
		return "", errors.New("nothing on stdin: pipe the secret in, such as printf '%s' \"$PASSWORD\" | herald auth hash")
	case len(line) > maxSecretBytes:
		return "", fmt.Errorf("the secret is longer than %d bytes", maxSecretBytes)
	}
	return line, nil
}

// newAuthNewKeyCmd builds `herald auth new-key`.
func newAuthNewKeyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "new-key NAME",
		Short: "Mint a random API key for principal NAME: print it once, with the auth file entry holding its hash",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if name == "" || strings.ContainsAny(name, ":\r\n") || strings.TrimSpace(name) != name {
				return usageErrorf("name %q: a principal name is not empty and has no \":\", line breaks or surrounding spaces", name)
			}
			key, err := auth.NewAPIKey()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), `%s

# The key above is shown only now: give it to %s (Authorization: Bearer <key>).
# Paste this under principals: in the auth file and choose its roles:
  - name: %q
    apiKey: %q
    roles: [reader]
`, key, name, name, auth.HashAPIKey(key))
			return err
		},
	}
}
