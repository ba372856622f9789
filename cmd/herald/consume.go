package main

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/client"
)

// followWait is how long each read of consume --follow waits for a first event:
// under the server's 60s bound, so an idle follow keeps asking.
const followWait = 25 * time.Second

// newConsumeCommand builds `herald consume TOPIC`: prints events as JSON lines.
// On a stream it reads from --from (or the group's committed offset) and, with
// --group, commits after each page printed. On a queue it receives, prints and
// acknowledges. --follow keeps waiting for new events. An interrupt (Ctrl-C)
// ends it quietly with status 0: stopping is how a follow is meant to end.
func newConsumeCommand() *cobra.Command {
	var (
		from, group string
		follow      bool
		limit, max  int
	)
	var consume func(cmd *cobra.Command, args []string) error
	cmd := &cobra.Command{
		Use:   "consume TOPIC",
		Short: "Print a topic's events as JSON lines (streams: read; queues: receive and ack)",
		Args:  cobra.ExactArgs(1),
	}
	fs := cmd.Flags()
	cf := addClientFlags(fs)
	fs.StringVar(&from, "from", "", "where to start: earliest, latest, an offset or an RFC 3339 time (default: the group's offset, else earliest)")
	fs.StringVar(&group, "group", "", "consumer group: start at its committed offset and commit as events are printed")
	fs.BoolVar(&follow, "follow", false, "keep waiting for new events (Ctrl-C stops it, with exit status 0)")
	fs.IntVar(&limit, "limit", 100, "events per request")
	fs.IntVar(&max, "max", 0, "stop after this many events (0: no limit)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		err := consume(cmd, args)
		if err != nil && cmd.Context().Err() != nil {
			return nil
		}
		return err
	}
	consume = func(cmd *cobra.Command, args []string) error {
		c, err := cf.newClient(cmd)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		topic, err := c.Topic(ctx, args[0])
		if err != nil {
			return brokerFailure(err)
		}
		out := json.NewEncoder(cmd.OutOrStdout())
		printed := 0
		var wait time.Duration
		if follow {
			wait = followWait
		}
		if topic.Kind == client.KindQueue {
			if group != "" || from != "" {
				return usageErrorf("topic %s is a queue: --group and --from apply to streams", args[0])
			}
			for {
				n := limit
				if max > 0 {
					n = min(n, max-printed)
				}
				msgs, err := c.Receive(ctx, args[0], client.ReceiveRequest{Max: n, Wait: wait, Raw: true})
				if err != nil {
					return brokerFailure(err)
				}
				ids := []string{}
				for _, m := range msgs {
					// Printed through a map, as it always was: keys sorted.
					var v map[string]any
					if err := json.Unmarshal(m.Raw, &v); err != nil {
						return err
					}
					if err := out.Encode(v); err != nil {
						return err
					}
					if m.AckID != "" {
						ids = append(ids, m.AckID)
					}
				}
				if _, err := c.Ack(ctx, args[0], ids...); err != nil {
					return brokerFailure(err)
				}
				printed += len(msgs)
				if (max > 0 && printed >= max) || (!follow && len(msgs) == 0) {
					return nil
				}
			}
		}
		next := from
		for {
			n := limit
			if max > 0 {
				n = min(n, max-printed)
			}
			page, err := c.Read(ctx, args[0], client.ReadRequest{From: next, Group: group, Limit: n, Wait: wait, Raw: true})
			if err != nil {
				return brokerFailure(err)
			}
			for _, m := range page.Messages {
				if err := out.Encode(m.Raw); err != nil {
					return err
				}
			}
			if group != "" && len(page.Messages) > 0 {
				if err := c.CommitOffsets(ctx, group, client.Offset{Topic: args[0], Offset: page.NextOffset}); err != nil {
					return brokerFailure(err)
				}
			}
			printed += len(page.Messages)
			next = strconv.FormatInt(page.NextOffset, 10)
			if (max > 0 && printed >= max) || (!follow && len(page.Messages) == 0) {
				return nil
			}
		}
	}
	return cmd
}
