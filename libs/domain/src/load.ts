import { isAbsolute, resolve } from 'node:path';
import { MeridianError } from '@meridian/errors';
import type { ReaderSchema } from '@meridian/contract';
import type { DefinedAggregate } from './define';
import { profileModel } from './profile';

/** Models this build ships, by name; anything else in a model list is a module to load. */
export const BUILTIN_MODELS: Readonly<Record<string, DefinedAggregate>> = { profile: profileModel };

/** A model list names something that is not a model, or two models claim one aggregate type. */
export class ModelLoadError extends MeridianError<'MODEL_LOAD'> {
  constructor(
    readonly spec: string,
    message: string,
    cause?: unknown,
  ) {
    super('MODEL_LOAD', `model ${JSON.stringify(spec)}: ${message}`, cause === undefined ? {} : { cause });
  }
}

/** What a projector, replay or monitor serves: the models, their aggregate types, their schemas. */
export interface ModelSet {
  readonly models: readonly DefinedAggregate[];
  readonly aggregateTypes: readonly string[];
  /** Every model's event schemas, for the serde (reader = writer) and the registry. */
  readonly schemas: readonly ReaderSchema[];
}

function isDefined(x: unknown): x is DefinedAggregate {
  const m = x as Partial<DefinedAggregate> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.aggregateType === 'string' &&
    typeof m.toOperation === 'function' &&
    typeof m.read === 'function' &&
    Array.isArray(m.definition?.schemas)
  );
}

/**
 * Loads the models a deployment is configured with. Each entry is a built-in name (`profile`), a
 * path (absolute, or relative to `baseDir`) or a package name; a module exports its model as
 * `model`, `models` (an array) or `default` — what `defineAggregate` returns.
 */
export function loadModels(specs: readonly string[], baseDir: string = process.cwd()): ModelSet {
  const models: DefinedAggregate[] = [];
  const byType = new Map<string, string>();
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === '') continue;
    for (const m of modelsOf(spec, baseDir)) {
      const previous = byType.get(m.aggregateType);
      if (previous !== undefined)
        throw new ModelLoadError(spec, `aggregate type ${m.aggregateType} is already served by ${previous}`);
      byType.set(m.aggregateType, spec);
      models.push(m);
    }
  }
  if (models.length === 0)
    throw new ModelLoadError(specs.join(','), 'no model configured (e.g. MODELS=profile,./my-model)');
  const schemas = new Map<string, ReaderSchema>();
  for (const m of models) for (const s of m.definition.schemas) schemas.set(s.fullName, s);
  return { models, aggregateTypes: models.map((m) => m.aggregateType), schemas: [...schemas.values()] };
}

function modelsOf(spec: string, baseDir: string): DefinedAggregate[] {
  const builtin = Object.prototype.hasOwnProperty.call(BUILTIN_MODELS, spec)
    ? BUILTIN_MODELS[spec]
    : undefined;
  if (builtin) return [builtin];
  const path = spec.startsWith('.') || isAbsolute(spec) ? resolve(baseDir, spec) : spec;
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by configuration
    mod = require(path) as Record<string, unknown>;
  } catch (cause) {
    throw new ModelLoadError(
      spec,
      `cannot load ${path} (${(cause as Error).message.split('\n')[0]}); give a built-in (${Object.keys(BUILTIN_MODELS).join(', ')}), a path or a package`,
      cause,
    );
  }
  const found = mod.models ?? mod.model ?? mod.default;
  const list = Array.isArray(found) ? found : [found];
  if (found === undefined || !list.every(isDefined))
    throw new ModelLoadError(
      spec,
      `${path} exports no model: export \`model\` (or \`models\`), the result of defineAggregate(...)`,
    );
  return list;
}
