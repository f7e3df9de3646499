#!/usr/bin/env -S npx tsx
import { App } from 'aws-cdk-lib';
import { addStage } from '../lib/app.ts';
import { StageConfigError, stageConfig, stageOverridesFromContext } from '../lib/config/stages.ts';

// `npx cdk synth --all -c stage=prod -c account=123456789012`. What differs by deployer (account, domains,
// secret names, alarm subscribers) comes from context: see the configuration reference in README.md.
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
try {
  const overrides = stageOverridesFromContext(stage, (key) => app.node.tryGetContext(key));
  // Only throwaway stages may fall back to the shell's account; prod must name its own (addStage checks).
  if (stage !== 'prod') overrides.account ??= process.env.CDK_DEFAULT_ACCOUNT;
  overrides.region ??= process.env.XID_REGION;
  addStage(app, stageConfig(stage, overrides));
} catch (error) {
  if (!(error instanceof StageConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
app.synth();
