import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eksToken } from '../../functions/shell/eks-token.ts';

// The EKS bearer token (issue 11, part 4) against its documented format: `k8s-aws-v1.` +
// base64url (no padding) of a SigV4-presigned STS GetCallerIdentity URL that signs the
// x-k8s-aws-id header, valid 60 s (EKS user guide; aws-iam-authenticator's token.go). The
// signature is recomputed here by the SigV4 steps AWS documents, independently of the signer.

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const now = new Date('2026-01-02T03:04:05Z');

async function decoded() {
  const token = await eksToken({ clusterName: 'prod-cluster', region: 'eu-west-1', credentials, now });
  return { token, url: new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8')) };
}

describe('eksToken', () => {
  it('is k8s-aws-v1. and unpadded base64url of a presigned regional STS GetCallerIdentity URL', async () => {
    const { token, url } = await decoded();
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20260102/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20260102T030405Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('carries the SigV4 signature of that request with the cluster name signed in', async () => {
    const { url } = await decoded();
    const params = [...url.searchParams].filter(([k]) => k !== 'X-Amz-Signature').sort(([a], [b]) => (a < b ? -1 : 1));
    const canonicalQuery = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const canonicalRequest = ['GET', '/', canonicalQuery, 'host:sts.eu-west-1.amazonaws.com', 'x-k8s-aws-id:prod-cluster', '', 'host;x-k8s-aws-id', createHash('sha256').update('').digest('hex')].join('\n');
    const scope = '20260102/eu-west-1/sts/aws4_request';
    const stringToSign = ['AWS4-HMAC-SHA256', '20260102T030405Z', scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, '20260102'), 'eu-west-1'), 'sts'), 'aws4_request');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(createHmac('sha256', signingKey).update(stringToSign).digest('hex'));
  });

  it('differs by cluster: a token for one cluster is not valid for another', async () => {
    const other = await eksToken({ clusterName: 'other', region: 'eu-west-1', credentials, now });
    expect(other).not.toBe((await decoded()).token);
  });
});
