export const GENERATED: string;
export function renderTypes(document: unknown): Promise<string>;
