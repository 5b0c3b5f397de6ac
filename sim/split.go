package sim

import (
	"errors"
	"fmt"
	"strings"
)

// SplitCommand splits a command line into argv the way sh would for a
// simple command: words are separated by blanks; 'single quotes' keep
// everything literally; "double quotes" keep everything but let a
// backslash escape \ " $ and `; outside quotes a backslash escapes the
// next character. So `sh -c 'echo hi'` is ["sh" "-c" "echo hi"].
//
// proctui runs one program, without a shell: pipes, redirections, ;, &,
// $variables and `command substitution` are refused with a message that
// suggests sh -c. An empty line gives nil.
func SplitCommand(line string) ([]string, error) {
	var (
		argv   []string
		word   strings.Builder
		inWord bool
	)
	flush := func() {
		if inWord {
			argv = append(argv, word.String())
			word.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			flush()
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated ' quote")
			}
			word.WriteString(line[i+1 : i+1+end])
			inWord = true
			i += end + 1
		case c == '"':
			inWord = true
			closed := false
			for i++; i < len(line); i++ {
				c := line[i]
				if c == '"' {
					closed = true
					break
				}
				if c == '\\' && i+1 < len(line) && strings.IndexByte("\\\"$`\n", line[i+1]) >= 0 {
					i++
					if line[i] != '\n' {
						word.WriteByte(line[i])
					}
					continue
				}
				if c == '$' || c == '`' {
					return nil, fmt.Errorf("%c inside double quotes asks for shell expansion; proctui runs the program without a shell: use sh -c '…' or single quotes", c)
				}
				word.WriteByte(c)
			}
			if !closed {
				return nil, errors.New(`unterminated " quote`)
			}
		case c == '\\':
			if i+1 >= len(line) {
				return nil, errors.New("a backslash at the end of the line escapes nothing")
			}
			i++
			if line[i] != '\n' {
				word.WriteByte(line[i])
				inWord = true
			}
		case strings.IndexByte("|&;<>()$`", c) >= 0:
			return nil, fmt.Errorf("%q is shell syntax; proctui runs one program without a shell: use sh -c '…' for pipes, redirections and variables", string(c))
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return argv, nil
}

// quoteArgs writes argv back as a command line SplitCommand reads the
// same way, quoting only the words that need it.
func quoteArgs(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`|&;<>()*?[]#~") {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else {
			q[i] = a
		}
	}
	return strings.Join(q, " ")
}
