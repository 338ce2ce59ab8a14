/** dotenv codec: placeholder until written. */
export function parseDotenv(_text: string): Map<string, string> {
  throw new Error("not implemented");
}
