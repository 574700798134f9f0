/**
 * The language service: what an editor asks of a checked program, in the language's own terms (spans, markdown,
 * completion items); cli/lsp/ speaks the Language Server Protocol on top of it (`zpol lsp`).
 *
 *   - targets.ts: what a name stands for, where it is declared, every use of it (go to definition, references);
 *   - hover.ts: the declaration, type, unit, value, documentation and origin of a name or expression;
 *   - complete.ts: names, fields, enum members, units, types, modules and keywords at the cursor;
 *   - outline.ts: a file's declarations (document symbols);
 *   - locate.ts: the syntax under a cursor.
 */
export { completionsAt, type Completion, type CompletionKind } from './complete.ts';
export { describeTarget, hoverAt, type HoverResult } from './hover.ts';
export { outlineOf, type OutlineItem, type OutlineKind } from './outline.ts';
export { nodePathAt } from './locate.ts';
export { FileIndex, definitionOf, nameOf, referencesTo, targetAt, type Place, type Target } from './targets.ts';
