import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addStage, type XidStacks } from '#lib/app';
import { stageConfig, stageOverridesFromContext } from '#lib/config/stages';
import { REPO_ROOT } from '#lib/paths';

/** The feature flags of cdk.json, so that tests synthesise what `cdk synth` synthesises. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context;
}

export interface SynthesisedStage {
  app: App;
  stacks: XidStacks;
  templates: {
    stateful: Template;
    api: Template;
    notices: Template;
    mail: Template;
    monitoring: Template;
  };
  outdir: string;
}

/**
 * Synthesises one stage with cdk-nag attached, as `bin/app.ts` does, but without bundling the functions
 * (the templates are the subject here, not the bundles). Throws if cdk-nag finds an unacknowledged rule.
 * `extraContext` may carry a deployer's settings (`apiDomain`, `alarmEmails`, …) as `-c` would.
 */
export function synthStage(
  stage: string,
  extraContext: Record<string, unknown> = {},
  amend: (stacks: XidStacks) => void = () => undefined,
): SynthesisedStage {
  const outdir = mkdtempSync(path.join(tmpdir(), `xid-synth-${stage}-`));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...extraContext },
  });
  // As bin/app.ts reads them: a deployer's settings come from context (`-c apiDomain=…`).
  const overrides = stageOverridesFromContext(stage, (key) => app.node.tryGetContext(key));
  const stacks = addStage(app, stageConfig(stage, { account: '123456789012', ...overrides }));
  amend(stacks);
  app.synth();
  return {
    app,
    stacks,
    outdir,
    templates: {
      stateful: Template.fromStack(stacks.stateful),
      api: Template.fromStack(stacks.api),
      notices: Template.fromStack(stacks.notices),
      mail: Template.fromStack(stacks.mail),
      monitoring: Template.fromStack(stacks.monitoring),
    },
  };
}

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };

/** Every resource of every stack of a stage. */
export function allResources(stage: SynthesisedStage): [string, Resource][] {
  return Object.values(stage.templates).flatMap((t) =>
    Object.entries((t.toJSON() as { Resources: Record<string, Resource> }).Resources),
  );
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: unknown;
}

/** Every IAM policy statement of a stage, inline policies of roles included. */
export function allStatements(stage: SynthesisedStage): Statement[] {
  const statements: Statement[] = [];
  for (const [, resource] of allResources(stage)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy') {
      statements.push(...((props.PolicyDocument as { Statement: Statement[] }).Statement ?? []));
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (props.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? []) {
        statements.push(...policy.PolicyDocument.Statement);
      }
    }
  }
  return statements;
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
