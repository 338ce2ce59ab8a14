/**
 * Runs in every test worker before the tests: point the AWS SDK at the moto
 * server with dummy credentials, and keep any real AWS configuration of the
 * machine out of reach.
 */
import { inject } from "vitest";
import { awsTestEnv } from "../support/aws.js";

for (const name of Object.keys(process.env)) {
  if (/^AWS_/.test(name) || /^SECRET_AWS_/.test(name)) delete process.env[name];
}
Object.assign(process.env, awsTestEnv(inject("motoEndpoint")));
