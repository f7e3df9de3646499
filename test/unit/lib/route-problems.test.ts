import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROBLEMS, type ProblemCode } from '#functions/shared/problems';
import { problemsOf } from '#lib/openapi/document';
import { REPO_ROOT } from '#lib/paths';
import { ROUTES, type Route } from '#lib/routes';

/**
 * The problem codes of each route, as the code says rather than as the route table declares: the
 * TypeScript checker follows every call and reference from the route's handler export through use cases,
 * port implementations and domain modules under `functions/`, collecting the code of every
 * `new ProblemError(…)` it reaches. A call through a port (an interface member) is followed to every
 * implementation of that name in the route's handler module and in `functions/adapters/` (a safe
 * over-approximation). The shared middy chain is left out: its codes are the ones every route declares.
 */
const FUNCTIONS = path.join(REPO_ROOT, 'functions');
const SHARED_CHAIN = ['shared/http/api.ts', 'shared/http/middleware.ts'].map((f) => path.join(FUNCTIONS, f));
const ADAPTERS = path.join(FUNCTIONS, 'adapters');

const config = ts.getParsedCommandLineOfConfigFile(
  path.join(REPO_ROOT, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
) as ts.ParsedCommandLine;
const program = ts.createProgram(
  [...new Set(ROUTES.map((r) => path.join(REPO_ROOT, r.entry)))],
  config.options,
);
const checker = program.getTypeChecker();
const inFunctions = (file: string) => file.startsWith(FUNCTIONS) && !SHARED_CHAIN.includes(file);

/** Object-literal members and class methods of a given name in the handler module and the adapters. */
function implementations(name: string, handlerFile: string): ts.Node[] {
  const found: ts.Node[] = [];
  for (const source of program.getSourceFiles()) {
    const file = path.normalize(source.fileName);
    if (file !== handlerFile && !file.startsWith(ADAPTERS)) continue;
    const walk = (node: ts.Node) => {
      if (
        (ts.isPropertyAssignment(node) ||
          ts.isShorthandPropertyAssignment(node) ||
          ts.isMethodDeclaration(node)) &&
        node.name.getText(source) === name
      )
        found.push(node);
      ts.forEachChild(node, walk);
    };
    walk(source);
  }
  return found;
}

function problemCodesOf(route: Route): Set<ProblemCode> {
  const handlerFile = path.join(REPO_ROOT, route.entry);
  const source = program.getSourceFile(handlerFile);
  if (!source) throw new Error(`no source for ${route.entry}`);
  const codes = new Set<ProblemCode>();
  const visited = new Set<ts.Node>();

  const followSymbol = (symbol: ts.Symbol | undefined) => {
    if (!symbol) return;
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    for (const declaration of target.declarations ?? []) {
      const file = path.normalize(declaration.getSourceFile().fileName);
      if (!inFunctions(file)) continue;
      if (ts.isMethodSignature(declaration) || ts.isPropertySignature(declaration)) {
        // A port: every implementation of that name, if it is something to call.
        if (checker.getTypeAtLocation(declaration).getCallSignatures().length === 0) continue;
        for (const implementation of implementations(declaration.name.getText(), handlerFile))
          visit(implementation, true);
      } else {
        visit(declaration, true);
      }
    }
  };

  /** A function is entered when it is the target of a reference, a callback, or what a function returns. */
  const entered = (node: ts.Node): boolean => {
    const parent = node.parent;
    return (
      (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) ||
      ts.isReturnStatement(parent) ||
      (ts.isArrowFunction(parent) && parent.body === node) ||
      ts.isParenthesizedExpression(parent)
    );
  };

  const visit = (node: ts.Node, target = false): void => {
    if ((ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node)) && node.initializer) {
      visit(node.initializer, target);
      return;
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      followSymbol(checker.getShorthandAssignmentValueSymbol(node));
      return;
    }
    // Other functions (an object's methods, local helpers) wait until something refers to them.
    if (ts.isFunctionLike(node) && !target && !entered(node)) return;
    if (visited.has(node)) return;
    visited.add(node);
    if (ts.isNewExpression(node) && node.expression.getText() === 'ProblemError') {
      const walkCode = (arg: ts.Node) => {
        if (ts.isStringLiteralLike(arg) && arg.text in PROBLEMS) codes.add(arg.text as ProblemCode);
        ts.forEachChild(arg, walkCode);
      };
      if (node.arguments?.[0]) walkCode(node.arguments[0]);
    }
    if (ts.isIdentifier(node)) followSymbol(checker.getSymbolAtLocation(node));
    ts.forEachChild(node, (child) => visit(child));
  };

  const exported = checker
    .getExportsOfModule(checker.getSymbolAtLocation(source) as ts.Symbol)
    .find((s) => s.name === route.handler);
  if (!exported) throw new Error(`${route.entry} exports no ${route.handler}`);
  followSymbol(exported);
  return codes;
}

describe('problem codes per route', () => {
  const derived = new Set<ProblemCode>(['unauthorized']);

  it.each(ROUTES.map((route) => [route.id, route] as const))(
    '%s lists every code its code can throw, and no code it cannot',
    (_, route) => {
      const thrown = problemCodesOf(route);
      const listed = new Set(problemsOf(route));
      expect(
        [...thrown].filter((code) => !listed.has(code)),
        'thrown but not listed',
      ).toEqual([]);
      const declared = route.problems ?? [];
      expect(
        declared.filter((code) => !thrown.has(code)),
        'declared in lib/routes.ts but never thrown',
      ).toEqual([]);
      for (const code of declared) expect(derived.has(code), `${code} is derived, not declared`).toBe(false);
    },
  );

  it('finds the codes a use case throws through its ports (registration: the JPKI checks and the store)', () => {
    const registration = problemCodesOf(ROUTES.find((r) => r.id === 'postRegistration') as Route);
    for (const code of [
      'certificate_untrusted',
      'certificate_revoked',
      'revocation_unavailable',
      'statement_mismatch',
      'already_registered',
      'service_unavailable',
    ] as const)
      expect(registration.has(code), code).toBe(true);
    // And nothing of another capability: the notices of a resident never answer a registration code.
    const notices = problemCodesOf(ROUTES.find((r) => r.id === 'getNotices') as Route);
    expect(notices.has('already_registered')).toBe(false);
    expect(notices.has('already_active')).toBe(false);
  });
});
