import { CfnOutput } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { ApiDomain as ApiDomainConfig } from '../config/stages.ts';

export interface ApiDomainProps {
  domain: ApiDomainConfig;
  api: apigw.RestApi;
}

/**
 * The API under its own name: an ACM certificate (validated through DNS), a regional API Gateway domain
 * with TLS 1.2, the base path mapping to the API's stage and, when a Route 53 hosted zone is given, the
 * alias record and the validation records. Without a zone, ACM waits until the operator creates the
 * validation CNAME it shows (docs/operations.md), and the operator points the name at `TargetDomainName`.
 */
export class ApiDomain extends Construct {
  public readonly certificate: acm.Certificate;
  public readonly domainName: apigw.DomainName;
  public readonly record?: route53.ARecord;

  constructor(scope: Construct, id: string, props: ApiDomainProps) {
    super(scope, id);
    const { domain, api } = props;
    const zone = domain.hostedZone
      ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: domain.hostedZone.id,
          zoneName: domain.hostedZone.name,
        })
      : undefined;
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: domain.name,
      validation: acm.CertificateValidation.fromDns(zone),
    });
    this.domainName = new apigw.DomainName(this, 'Domain', {
      domainName: domain.name,
      certificate: this.certificate,
      endpointType: apigw.EndpointType.REGIONAL,
      securityPolicy: apigw.SecurityPolicy.TLS_1_2,
    });
    this.domainName.addBasePathMapping(api, {
      basePath: domain.basePath,
      stage: api.deploymentStage,
    });
    if (zone) {
      this.record = new route53.ARecord(this, 'Alias', {
        zone,
        recordName: domain.name,
        target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(this.domainName)),
      });
    }
    new CfnOutput(this, 'TargetDomainName', {
      value: this.domainName.domainNameAliasDomainName,
      description: `Point ${domain.name} here (CNAME or alias) when Route 53 does not hold its zone`,
    });
  }
}
