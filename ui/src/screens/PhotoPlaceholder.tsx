/** Where a photo goes when there is none to show: a drawn silhouette, no image file. */
export function PhotoPlaceholder({ label, note }: { label: string; note?: string }) {
  return (
    <figure className="photo" data-testid="photo-placeholder">
      <svg className="photo__svg" viewBox="0 0 120 150" role="img" aria-label={label}>
        <rect className="photo__bg" x="0" y="0" width="120" height="150" />
        <circle className="photo__figure" cx="60" cy="55" r="26" />
        <path className="photo__figure" d="M14 150c0-32 20-52 46-52s46 20 46 52z" />
      </svg>
      <figcaption className="photo__caption">
        {label}
        {note && <span className="photo__note">{note}</span>}
      </figcaption>
    </figure>
  );
}
