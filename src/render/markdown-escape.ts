/**
 * Makes text from AWS or the policy inert in GitHub-flavoured Markdown: no live links, no HTML, no table
 * breaks. `<`, `>` and `&` become entities (GitHub renders no HTML from them); Markdown punctuation is
 * backslash-escaped; newlines become spaces.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]{}()#+!|~-])/g, '\\$1')
    .replace(/\r?\n|\r/g, ' ');
}
