import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { Construct } from 'constructs';
import { NEWEST_PAGE_SECONDS } from '../../functions/adapters/notice-store.ts';
import { acknowledge } from '../acknowledge.ts';
import { problemTemplate, REQUEST_ID_VARIABLE } from '../gateway-responses.ts';

export interface NoticesCdnProps {
  /** The REST API whose public per-municipality notices path the CDN serves. */
  api: apigw.RestApi;
}

/** The only path the CDN forwards: `GET /v1/municipalities/{code}/notices`. */
export const CDN_PATH = /^\/v1\/municipalities\/\d{6}\/notices$/;

/**
 * CloudFront in front of the public notices path (docs/capacity.md): when a disaster notice sends a fifth
 * of a city to its inbox, every edge location asks the API once per municipality, page and 30 seconds,
 * and everyone else is answered from the edge. Notices are public, so the cache key is the URL alone
 * (the municipality in the path, `limit` and `cursor`); no header, cookie or token reaches the origin.
 * A CloudFront function answers every other path 404 at the edge, so the distribution cannot be used to
 * reach the rest of the API.
 */
export class NoticesCdn extends Construct {
  public readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: NoticesCdnProps) {
    super(scope, id);
    // The same problem document as API Gateway's 404, its `instance` the edge's own request id.
    const notFound = `{ statusCode: 404, statusDescription: 'Not Found', headers: { 'content-type': { value: 'application/problem+json' } }, body: { encoding: 'text', data: ${JSON.stringify(problemTemplate('not_found'))}.split(${JSON.stringify(REQUEST_ID_VARIABLE)}).join(event.context.requestId) } }`;
    const onlyNotices = new cloudfront.Function(this, 'OnlyNotices', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'Forwards only GET /v1/municipalities/{code}/notices',
      code: cloudfront.FunctionCode.fromInline(
        `function handler(event) { if (${CDN_PATH.toString()}.test(event.request.uri)) return event.request; return ${notFound}; }`,
      ),
    });
    const byMunicipality = new cloudfront.CachePolicy(this, 'ByMunicipality', {
      comment: 'Notices by municipality (path), limit and cursor; nothing else',
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList('limit', 'cursor'),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      defaultTtl: Duration.seconds(NEWEST_PAGE_SECONDS),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(2 * NEWEST_PAGE_SECONDS),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'xID public notices',
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: new origins.RestApiOrigin(props.api),
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: byMunicipality,
        functionAssociations: [
          { function: onlyNotices, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
    });
    acknowledge(this.distribution, {
      'AwsSolutions-CFR1':
        'Public municipal notices for residents wherever they are (also abroad); no geographic restriction applies',
      'AwsSolutions-CFR2':
        'Serves one public, cached, read-only path; the origin API keeps its regional WAF, and a cache miss is at most one origin request per edge, page and 30 seconds',
      'AwsSolutions-CFR3':
        'The origin API writes access logs for every request that reaches it; edge hits carry no personal data',
      'AwsSolutions-CFR4':
        'The default CloudFront certificate fixes the viewer TLS policy; give the stage a custom domain and certificate to require TLS 1.2',
    });
    new CfnOutput(scope, 'NoticesCdnUrl', {
      value: `https://${this.distribution.distributionDomainName}`,
      description: 'Public notices: GET <this>/v1/municipalities/{code}/notices',
    });
  }
}
