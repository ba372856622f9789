package jetstream

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// prefixRE is what Config.Prefix may be: no '_', so the first '_' of a stream
// name ends the prefix and names of two prefixes never meet.
var prefixRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

func validPrefix(p string) bool { return prefixRE.MatchString(p) }

// maxEncoded bounds the encoded topic part of a stream name: JetStream stores a
// stream in a directory named after it, and file names stop at 255 bytes.
const maxEncoded = 200

// encodeTopic maps a topic name (letters, digits, '.', '_', '-') one-to-one onto
// a JetStream name token (no '.', which separates subject tokens): '_' becomes
// "__" and '.' "_D". A name whose encoding is too long keeps the encoding of
// its first characters (at most 150 bytes, whole escapes only) and ends with
// "_H" and 128 bits of its SHA-256: "_H" is no escape, so a short encoding
// never reads like a long one.
func encodeTopic(topic string) string {
	var b strings.Builder
	b.Grow(len(topic) + 8)
	cut := -1 // length of the encoding when it first passes 150 bytes
	for i := 0; i < len(topic); i++ {
		if cut < 0 && b.Len() > 148 {
			cut = b.Len()
		}
		switch c := topic[i]; c {
		case '_':
			b.WriteString("__")
		case '.':
			b.WriteString("_D")
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	if len(s) <= maxEncoded {
		return s
	}
	sum := sha256.Sum256([]byte(topic))
	return s[:cut] + "_H" + hex.EncodeToString(sum[:16])
}

// streamName is the JetStream stream of a topic: "<prefix>_<encoded topic>".
func (l *Log) streamName(topic string) string {
	return l.cfg.Prefix + "_" + encodeTopic(topic)
}

// subject is the one subject a topic's stream captures: "<prefix>.<encoded topic>".
func (l *Log) subject(topic string) string {
	return l.cfg.Prefix + "." + encodeTopic(topic)
}
