import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { assertDeployable, type StageConfig } from './config/stages.ts';
import { ROUTES } from './routes.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { MailStack } from './stacks/mail-stack.ts';
import { MonitoringStack } from './stacks/monitoring-stack.ts';
import { NoticesStack } from './stacks/notices-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';

export interface XidStacks {
  stateful: StatefulStack;
  api: ApiStack;
  notices: NoticesStack;
  mail: MailStack;
  monitoring: MonitoringStack;
}

/**
 * Adds the stacks of a stage to an app, with cdk-nag's AwsSolutions and Serverless checks. `bin/app.ts`
 * calls this for the stage named on the command line; the infrastructure tests call it for every stage.
 */
export function addStage(app: App, config: StageConfig): XidStacks {
  assertDeployable(config);
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
  const env = { account: config.account, region: config.region };
  const prefix = `Xid-${config.stage}`;
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    config,
    terminationProtection: config.retainData,
    description: `xID ${config.stage}: table, keys, mail identity, push platform applications`,
  });
  const { resources } = stateful;
  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    config,
    routes: ROUTES,
    resources,
    description: `xID ${config.stage}: REST API and its functions`,
  });
  const notices = new NoticesStack(app, `${prefix}-Notices`, {
    env,
    config,
    resources,
    description: `xID ${config.stage}: municipality notices and push endpoint events`,
  });
  const mail = new MailStack(app, `${prefix}-Mail`, {
    env,
    config,
    resources,
    description: `xID ${config.stage}: SES bounce and complaint feedback`,
  });
  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, {
    env,
    config,
    resources,
    routes: ROUTES,
    webAclArn: api.restApi.webAcl.attrArn,
    description: `xID ${config.stage}: alarms, their log metrics, WAF logging and the dashboard`,
  });
  // It finds functions and log groups by their fixed names: deploy it after the stacks that make them.
  for (const stack of [api, notices, mail]) monitoring.addStackDependency(stack);
  for (const stack of [stateful, api, notices, mail, monitoring]) {
    Tags.of(stack).add('project', 'xid');
    Tags.of(stack).add('stage', config.stage);
  }
  return { stateful, api, notices, mail, monitoring };
}
