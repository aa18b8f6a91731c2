// generated — do not edit. Source: schemas/**/*.avsc; regenerate with `npm run gen:types`.

export * from './envelope-v1';
export * from './events';
export * from './profile-v1';
export * from './schemas';
