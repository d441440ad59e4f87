import { ALNUM, BASE32, BASE64, fake, HEX, LOWER_ALNUM } from './fake-values.js';
import { looksRandom, TOKEN_END, TOKEN_END_BASE64, tokenRule as r, type TokenRule } from './token-scanner.js';

/**
 * Prefixed credentials of cloud platforms, AI-model providers, package registries and source hosts.
 * Formats are taken from the vendors' published descriptions of their tokens (and the public rule
 * catalogues of gitleaks and trufflehog); lengths are bounded so a rule never reads past one token.
 * A rule's kind is its detector name: `OTEL_LOGKIT_REDACT_DETECTORS=-npm_token` turns it off.
 */

const END = TOKEN_END;
const END_B64 = TOKEN_END_BASE64;

export const CLOUD_TOKENS: readonly TokenRule[] = [
  r('aws_access_key_id', 'AWS access key ids (long-term `AKIA`, temporary `ASIA`, and the other type prefixes)', ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'], `(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}(?![A-Za-z0-9])`, `AKIA${fake(BASE32, 16, 'aws')}`),
  r('aws_session_token', 'AWS STS session tokens (base64 that starts with the encoded token header)', ['IQoJb3JpZ2lu', 'FwoGZXIvYXdz', 'FQoGZXIvYXdz'], `(?:IQoJb3JpZ2luX2Vj|F[wQ]oGZXIvYXdz)[A-Za-z0-9/+=]{60,4096}${END_B64}`, `IQoJb3JpZ2luX2Vj${fake(BASE64, 120, 'sts')}`),
  r('aws_bedrock_api_key', 'Amazon Bedrock API keys', ['ABSK'], `ABSK[A-Za-z0-9+/]{60,400}={0,2}${END_B64}`, `ABSK${fake(BASE64, 100, 'bedrock')}=`),
  r('google_api_key', 'Google API keys, OAuth access and refresh tokens, OAuth client secrets', ['AIza', 'ya29.', 'GOCSPX-', '1//0'], `(?:AIza[\\w-]{35}|ya29\\.[\\w-]{20,2048}|GOCSPX-[\\w-]{28}|1//0[\\w-]{40,512})${END}`, `AIza${fake(`${ALNUM}_-`, 35, 'gapi')}`),
  r('digitalocean_token', 'DigitalOcean personal, OAuth and refresh tokens', ['dop_v1_', 'doo_v1_', 'dor_v1_'], `do[por]_v1_[a-f0-9]{64}${END}`, `dop_v1_${fake(HEX, 64, 'do')}`),
  r('heroku_api_key', 'Heroku platform API keys (`HRKU-`)', ['HRKU-'], `HRKU-[A-Za-z0-9_-]{30,80}${END}`, `HRKU-AA${fake(`${ALNUM}_-`, 58, 'heroku')}`),
  r('alibaba_access_key_id', 'Alibaba Cloud AccessKey ids (`LTAI`)', ['LTAI'], `LTAI[A-Za-z0-9]{12,20}${END}`, `LTAI${fake(ALNUM, 20, 'ali')}`, looksRandom),
  r('cloudflare_origin_ca_key', 'Cloudflare Origin CA keys', ['v1.0-'], `v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}${END}`, `v1.0-${fake(HEX, 24, 'cf1')}-${fake(HEX, 146, 'cf2')}`),
  r('vault_token', 'HashiCorp Vault service, batch and recovery tokens (`hvs.`, `hvb.`, `hvr.`; legacy `s.`)', ['hvs.', 'hvb.', 'hvr.', 's.'], `(?:hv[sbr]\\.[A-Za-z0-9_-]{24,512}|s\\.[A-Za-z0-9]{24}(?![A-Za-z0-9_.-]))${END}`, `hvs.${fake(`${ALNUM}_-`, 90, 'vault')}`, (t) => !t.startsWith('s.') || looksRandom(t)),
  r('databricks_token', 'Databricks personal access tokens (`dapi`)', ['dapi'], `dapi[a-f0-9]{32}(?:-\\d)?${END}`, `dapi${fake(HEX, 32, 'dbx')}`),
  r('doppler_token', 'Doppler personal, service, CLI, SCIM and audit tokens', ['dp.'], `dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,44}${END}`, `dp.pt.${fake(ALNUM, 43, 'doppler')}`),
  r('pulumi_token', 'Pulumi access tokens (`pul-`)', ['pul-'], `pul-[a-f0-9]{40}${END}`, `pul-${fake(HEX, 40, 'pulumi')}`),
  r('age_secret_key', 'age encryption secret keys', ['AGE-SECRET-KEY-1'], `AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}${END}`, `AGE-SECRET-KEY-1${fake('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58, 'age')}`),
  r('onepassword_token', '1Password service-account tokens (`ops_eyJ`)', ['ops_eyJ'], `ops_eyJ[A-Za-z0-9+/=_-]{100,2048}${END_B64}`, `ops_eyJ${fake(ALNUM, 140, '1p')}`),
  r('supabase_token', 'Supabase access tokens and secret keys', ['sbp_', 'sb_secret_'], `(?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{20,80})${END}`, `sbp_${fake(HEX, 40, 'supa')}`),
  r('planetscale_token', 'PlanetScale service tokens, passwords and OAuth tokens', ['pscale_'], `pscale_(?:tkn|pw|oauth)_[A-Za-z0-9=._-]{32,64}${END}`, `pscale_tkn_${fake(ALNUM, 43, 'ps')}`),
  r('flyio_token', 'Fly.io access and macaroon tokens', ['fo1_', 'fm1', 'fm2'], `(?:fo1_[\\w-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{50,2048}={0,3})${END_B64}`, `fo1_${fake(`${ALNUM}_-`, 43, 'fly')}`),
  r('netlify_token', 'Netlify personal access tokens (`nfp_`)', ['nfp_'], `nfp_[A-Za-z0-9]{36}${END}`, `nfp_${fake(ALNUM, 36, 'netlify')}`),
];

export const AI_TOKENS: readonly TokenRule[] = [
  r('anthropic_api_key', 'Anthropic API and admin keys (`sk-ant-api03-`, `sk-ant-admin01-`)', ['sk-ant-'], `sk-ant-(?:api|admin|oat|sid)\\d\\d-[A-Za-z0-9_-]{32,200}${END}`, `sk-ant-api03-${fake(`${ALNUM}_-`, 93, 'anthropic')}AA`),
  r('openrouter_api_key', 'OpenRouter API keys (`sk-or-v1-`)', ['sk-or-'], `sk-or-v1-[a-f0-9]{64}${END}`, `sk-or-v1-${fake(HEX, 64, 'openrouter')}`),
  r(
    'openai_api_key',
    'OpenAI project, service-account, admin and legacy keys (`sk-proj-`, `sk-svcacct-`, `sk-admin-`, `sk-…T3BlbkFJ…`), and `sk-` keys of OpenAI-compatible providers',
    ['sk-'],
    `sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40,250}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{32,64})${END}`,
    `sk-proj-${fake(`${ALNUM}_-`, 74, 'openai1')}T3BlbkFJ${fake(`${ALNUM}_-`, 74, 'openai2')}`,
    (t) => /\d/.test(t),
  ),
  r('huggingface_token', 'Hugging Face user and organisation tokens (`hf_`, `api_org_`)', ['hf_', 'api_org_'], `(?:hf_[A-Za-z0-9]{34,40}|api_org_[A-Za-z]{34})${END}`, `hf_${fake(ALNUM.slice(0, 52), 34, 'hf')}`),
  r('groq_api_key', 'Groq API keys (`gsk_`)', ['gsk_'], `gsk_[A-Za-z0-9]{48,56}${END}`, `gsk_${fake(ALNUM, 52, 'groq')}`),
  r('replicate_token', 'Replicate API tokens (`r8_`)', ['r8_'], `r8_[A-Za-z0-9]{37}${END}`, `r8_${fake(ALNUM, 37, 'replicate')}`),
  r('perplexity_api_key', 'Perplexity API keys (`pplx-`)', ['pplx-'], `pplx-[A-Za-z0-9]{40,56}${END}`, `pplx-${fake(ALNUM, 48, 'pplx')}`),
  r('xai_api_key', 'xAI API keys (`xai-`)', ['xai-'], `xai-[A-Za-z0-9]{70,90}${END}`, `xai-${fake(ALNUM, 80, 'xai')}`),
  r('langsmith_api_key', 'LangSmith personal and service keys (`lsv2_pt_`, `lsv2_sk_`)', ['lsv2_'], `lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}${END}`, `lsv2_pt_${fake(HEX, 32, 'ls1')}_${fake(HEX, 10, 'ls2')}`),
  r('pinecone_api_key', 'Pinecone API keys (`pcsk_`)', ['pcsk_'], `pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{40,80}${END}`, `pcsk_${fake(ALNUM, 6, 'pc1')}_${fake(ALNUM, 63, 'pc2')}`),
  r('tavily_api_key', 'Tavily API keys (`tvly-`)', ['tvly-'], `tvly-[A-Za-z0-9-]{30,60}${END}`, `tvly-dev-${fake(ALNUM, 32, 'tavily')}`),
  r('elevenlabs_api_key', 'ElevenLabs API keys (`sk_` and 48 hex digits)', ['sk_'], `sk_[a-f0-9]{48}${END}`, `sk_${fake(HEX, 48, 'eleven')}`),
];

export const REGISTRY_TOKENS: readonly TokenRule[] = [
  r('npm_token', 'npm access tokens (`npm_`)', ['npm_'], `npm_[A-Za-z0-9]{36}${END}`, `npm_${fake(ALNUM, 36, 'npm')}`),
  r('pypi_token', 'PyPI and TestPyPI upload tokens (`pypi-AgEIcHlwaS5vcmc…`)', ['pypi-'], `pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,2048}${END}`, `pypi-AgEIcHlwaS5vcmc${fake(`${ALNUM}_-`, 70, 'pypi')}`),
  r('rubygems_api_key', 'RubyGems API keys (`rubygems_`)', ['rubygems_'], `rubygems_[a-f0-9]{48}${END}`, `rubygems_${fake(HEX, 48, 'gems')}`),
  r('nuget_api_key', 'NuGet API keys (`oy2`)', ['oy2'], `oy2[a-z0-9]{43}${END}`, `oy2${fake(LOWER_ALNUM, 43, 'nuget')}`),
  r('dockerhub_token', 'Docker Hub personal and organisation access tokens (`dckr_pat_`, `dckr_oat_`)', ['dckr_'], `dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,64}${END}`, `dckr_pat_${fake(`${ALNUM}_-`, 27, 'docker')}`),
  r('crates_io_token', 'crates.io API tokens (`cio`)', ['cio'], `cio[A-Za-z0-9]{32}${END}`, `cio${fake(ALNUM, 32, 'crates')}`, looksRandom),
  r('jfrog_token', 'JFrog Artifactory API keys (`AKCp`) and reference tokens (`cmVmdGtu`)', ['AKCp', 'cmVmdGtu'], `(?:AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56})${END}`, `AKCp${fake(ALNUM, 69, 'jfrog')}`),
  r('clojars_token', 'Clojars deploy tokens (`CLOJARS_`)', ['CLOJARS_'], `CLOJARS_[a-z0-9]{60}${END}`, `CLOJARS_${fake(LOWER_ALNUM, 60, 'clojars')}`),
];

export const VCS_CI_TOKENS: readonly TokenRule[] = [
  r('github_token', 'GitHub personal, OAuth, app, refresh and fine-grained tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`)', ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'], `(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])`, `ghp_${fake(ALNUM, 36, 'github')}`),
  r(
    'gitlab_token',
    'GitLab personal, project, deploy, runner, CI job, feed, OAuth, agent and trigger tokens (`glpat-`, `gldt-`, `glrt-`, `GR1348941` …)',
    ['gl', 'GR1348941'],
    `(?:gl(?:pat|dt|rt|ptt|cbt|imt|oas|ft|soat|agent|cf|ffct|wt)-[A-Za-z0-9_-]{20,64}|GR1348941[A-Za-z0-9_-]{20,64})${END}`,
    `glpat-${fake(`${ALNUM}_-`, 20, 'gitlab')}`,
  ),
  r('bitbucket_token', 'Bitbucket app passwords and access tokens (`ATBB`, `ATCTT3`)', ['ATBB', 'ATCTT3'], `(?:ATBB[A-Za-z0-9_=.-]{28,64}|ATCTT3[A-Za-z0-9_=-]{100,250})${END}`, `ATBB${fake(ALNUM, 32, 'bitbucket')}`),
  r('atlassian_api_token', 'Atlassian (Jira, Confluence) API tokens (`ATATT3`)', ['ATATT3'], `ATATT3[A-Za-z0-9_=-]{100,250}${END}`, `ATATT3xFfGF0${fake(`${ALNUM}_-`, 170, 'atlassian')}=${fake(HEX, 8, 'atl2').toUpperCase()}`),
  r('circleci_token', 'CircleCI personal and project API tokens (`CCIPAT_`, `CCIPRJ_`)', ['CCIP'], `CCIP(?:AT|RJ)_[A-Za-z0-9]{22}_[a-f0-9]{40}${END}`, `CCIPAT_${fake(ALNUM, 22, 'circle1')}_${fake(HEX, 40, 'circle2')}`),
  r('buildkite_token', 'Buildkite API access tokens (`bkua_`)', ['bkua_'], `bkua_[a-f0-9]{40}${END}`, `bkua_${fake(HEX, 40, 'buildkite')}`),
  r('sourcegraph_token', 'Sourcegraph access tokens (`sgp_`)', ['sgp_'], `sgp_(?:[a-f0-9]{16}_)?[a-f0-9]{40}${END}`, `sgp_${fake(HEX, 16, 'sg1')}_${fake(HEX, 40, 'sg2')}`),
];
