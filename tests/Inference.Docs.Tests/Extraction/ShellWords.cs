using System.Text;

namespace Inference.Docs.Tests.Extraction;

/// <summary>
/// Enough of the shell's word splitting for documentation: quotes keep words together, an unquoted <c>#</c> at the
/// start of a word begins a comment, and <c>&amp;&amp;</c>, <c>||</c>, <c>|</c>, <c>;</c> separate commands, except
/// inside brackets or parentheses, where a usage synopsis writes alternatives (<c>(--model &lt;f&gt; | --address &lt;a&gt;)</c>).
/// </summary>
internal static class ShellWords
{
    /// <summary>The simple commands of one logical line, each as its words; a quoted word keeps its quotes.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Commands(string line)
    {
        var commands = new List<IReadOnlyList<string>>();
        var words = new List<string>();
        var word = new StringBuilder();
        char? quote = null;
        var depth = 0;

        void EndWord()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        void EndCommand()
        {
            EndWord();
            if (words.Count > 0)
            {
                commands.Add(words.ToArray());
                words.Clear();
            }
        }

        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is not null)
            {
                word.Append(c);
                if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                word.Append(c);
            }
            else if (c == '#' && word.Length == 0)
            {
                break;
            }
            else if (char.IsWhiteSpace(c))
            {
                EndWord();
            }
            else if (depth == 0 && (c is ';' or '|' || (c == '&' && i + 1 < line.Length && line[i + 1] == '&')))
            {
                EndCommand();
                if (c != ';' && i + 1 < line.Length && line[i + 1] == c)
                {
                    i++;
                }
            }
            else
            {
                depth += c is '(' or '[' ? 1 : c is ')' or ']' && depth > 0 ? -1 : 0;
                word.Append(c);
            }
        }

        EndCommand();
        return commands;
    }
}
