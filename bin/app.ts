#!/usr/bin/env -S npx tsx
import { App } from 'aws-cdk-lib';
import { addStage } from '../lib/app.ts';
import { stageConfig } from '../lib/config/stages.ts';

// `npx cdk synth --all -c stage=prod`; account and region may be given as context or come from the CLI.
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
const config = stageConfig(stage, {
  account: app.node.tryGetContext('account') ?? process.env.CDK_DEFAULT_ACCOUNT,
  region: app.node.tryGetContext('region') ?? process.env.XID_REGION,
});
addStage(app, config);
app.synth();
